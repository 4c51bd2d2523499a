// POST /drain: what each input is answered with (protocol §11.1) and what gets stored.
import t from 'tap'
import { storedMessages, tenantUsage } from '@addonkit/log-store'
import { encodeFrames } from '@addonkit/logplex'
import { startDrainStack, postDrain, api, eventually } from './helper.js'

const ROUTER = 'at=info method=GET path="/search?q=a b" host=myapp.herokuapp.com request_id=2b3f7a0e-1c1d-4d0e-9a53-6c8f7f0b1e11 fwd="203.0.113.5" dyno=web.1 connect=1ms service=37ms status=503 bytes=512 protocol=https'

t.test('a drain batch is stored, parsed and searchable; bad inputs get their status', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant()
  const now = new Date().toISOString()
  const body = encodeFrames([
    { pri: 158, timestamp: now, appName: 'heroku', procId: 'router', message: ROUTER },
    { pri: 190, timestamp: now, appName: 'app', procId: 'web.1', message: 'Started GET "/" for 203.0.113.5\nsecond line of the same frame' },
    { pri: 172, timestamp: now, appName: 'heroku', procId: 'logplex', message: `Error L10 (output buffer overflow): 4 messages dropped since ${now}.` },
    { pri: 190, timestamp: now, appName: 'app', procId: 'worker.2', message: 'no trailing LF', trailingLf: false }
  ])
  const ok = await postDrain(stack, tenant, body, { 'logplex-msg-count': '4' })
  t.equal(ok.status, 204, 'accepted')
  await eventually(async () => (await stack.storedCount(tenant)) === 4)
  const r = await api(stack, tenant, '/logs')
  t.equal(r.status, 200)
  t.equal(r.json.lines.length, 4)
  const router = r.json.lines.find((l: any) => l.proc === 'router')
  t.match(router.router, { status: 503, method: 'GET', path: '/search?q=a b', host: 'myapp.herokuapp.com', connect_ms: 1, service_ms: 37, bytes: 512, dyno: 'web.1', request_id: '2b3f7a0e-1c1d-4d0e-9a53-6c8f7f0b1e11' })
  t.ok(r.json.lines.some((l: any) => l.message === 'Started GET "/" for 203.0.113.5\nsecond line of the same frame'), 'embedded LF kept')
  t.ok(r.json.lines.some((l: any) => l.message === 'no trailing LF'))
  t.equal((await tenantUsage(stack.db.pool, tenant.id, 1)).reportedLossToday, 4, 'L10 counted as reported loss')

  await t.test('application/logplex-1 with parameters is the same media type', async (t) => {
    const before = await stack.storedCount(tenant)
    const res = await postDrain(stack, tenant, body, { 'content-type': 'application/logplex-1; charset=utf-8', 'logplex-msg-count': '4' })
    t.equal(res.status, 204)
    await eventually(async () => (await stack.storedCount(tenant)) === before + 4)
  })
  await t.test('415 for another content type', async (t) => {
    const res = await postDrain(stack, tenant, body, { 'content-type': 'text/plain' })
    t.equal(res.status, 415)
    t.equal(res.json.code, 'DRAIN_UNSUPPORTED_MEDIA_TYPE')
  })
  await t.test('413 over the body limit, 1 MiB accepted', async (t) => {
    const big = encodeFrames([{ timestamp: now, appName: 'app', procId: 'web.1', message: 'x'.repeat(1024 * 1024 - 60) }])
    t.ok(big.length <= 1024 * 1024)
    const fits = await postDrain(stack, tenant, big, { 'logplex-msg-count': '1' })
    t.equal(fits.status, 204, `${big.length} bytes accepted`)
    // Larger than one NATS message: the frame is stored as 10,000-byte chunks, the way
    // Heroku splits long lines (protocol §11.1).
    const chunks = await eventually(async () => {
      const parts = (await storedMessages(stack.db.pool, tenant.id)).filter((m) => m.startsWith('xxxx'))
      const bytes = parts.reduce((n, m) => n + Buffer.byteLength(m), 0)
      return bytes === 1024 * 1024 - 60 ? { n: parts.length, bytes } : null
    })
    t.equal(chunks.n, Math.ceil((1024 * 1024 - 60) / 10_000), 'in 10,000-byte chunks')
    const over = await postDrain(stack, tenant, Buffer.alloc(1024 * 1024 + 1, 0x31))
    t.equal(over.status, 413)
    t.equal(over.json.code, 'DRAIN_BODY_TOO_LARGE')
  })
  await t.test('400 when Logplex-Msg-Count disagrees or the framing is bad; nothing stored', async (t) => {
    const before = await stack.storedCount(tenant)
    const mismatch = await postDrain(stack, tenant, body, { 'logplex-msg-count': '5' })
    t.equal(mismatch.status, 400)
    t.equal(mismatch.json.code, 'DRAIN_BAD_FRAMING')
    t.match(mismatch.json.message, /LOGPLEX_COUNT_MISMATCH/)
    const truncated = await postDrain(stack, tenant, body.subarray(0, body.length - 7), { 'logplex-msg-count': '4' })
    t.equal(truncated.status, 400)
    t.match(truncated.json.message, /LOGPLEX_BAD_FRAMING/)
    const lines = await postDrain(stack, tenant, `<190>1 ${now} host app web.1 - not octet counted\n`)
    t.equal(lines.status, 400)
    const badCount = await postDrain(stack, tenant, body, { 'logplex-msg-count': 'four' })
    t.equal(badCount.status, 400)
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.equal(await stack.storedCount(tenant), before, 'nothing stored')
  })
  await t.test('403 for an unknown token or wrong drain credentials', async (t) => {
    t.equal((await postDrain(stack, tenant, body, { 'logplex-drain-token': 'd.00000000-0000-4000-8000-000000000000' })).status, 403)
    t.equal((await postDrain(stack, tenant, body, { 'logplex-drain-token': '' })).status, 403)
    t.equal((await postDrain(stack, tenant, body, { authorization: 'Basic ' + Buffer.from('nobody:wrong').toString('base64') })).status, 403)
    const other = await stack.tenant()
    t.equal((await postDrain(stack, tenant, body, { 'logplex-drain-token': other.drainToken })).status, 403, "another tenant's token with these credentials")
    t.equal((await postDrain(stack, tenant, body, { authorization: '' })).status, 403, 'no credentials')
  })
  await t.test('two add-ons provisioned with one drain token: each batch reaches the tenant of its credentials', async (t) => {
    const a = await stack.tenant('hobby', { drainToken: tenant.drainToken })
    const b = await stack.tenant('hobby', { drainToken: tenant.drainToken })
    const one = encodeFrames([{ pri: 190, timestamp: now, appName: 'app', procId: 'web.1', message: 'for a' }])
    const two = encodeFrames([{ pri: 190, timestamp: now, appName: 'app', procId: 'web.1', message: 'for b' }, { pri: 190, timestamp: now, appName: 'app', procId: 'web.2', message: 'for b too' }])
    t.equal((await postDrain(stack, a, one, { 'logplex-msg-count': '1' })).status, 204)
    t.equal((await postDrain(stack, b, two, { 'logplex-msg-count': '2' })).status, 204)
    await eventually(async () => (await stack.storedCount(a)) === 1 && (await stack.storedCount(b)) === 2)
    t.same(await storedMessages(stack.db.pool, a.id), ['for a'])
    t.same((await storedMessages(stack.db.pool, b.id)).sort(), ['for b', 'for b too'])
  })
  await t.test('invalid UTF-8 is stored with U+FFFD', async (t) => {
    const head = Buffer.from(`<190>1 ${now} host app web.9 - bad `)
    const payload = Buffer.concat([head, Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' end\n')])
    const res = await postDrain(stack, tenant, Buffer.concat([Buffer.from(`${payload.length} `), payload]), { 'logplex-msg-count': '1' })
    t.equal(res.status, 204)
    const found = await eventually(async () => (await api(stack, tenant, '/logs?proc=web.9')).json.lines[0])
    t.equal(found.message, 'bad \uFFFD\uFFFD\uFFFD end')
  })
  await t.test('the in-flight count the writer yields to returns to zero, aborted uploads included', async (t) => {
    const { request } = await import('node:http')
    const u = new URL(stack.url)
    // An upload cut off halfway: the server never answers it.
    await new Promise<void>((resolve) => {
      const req = request({ host: u.hostname, port: u.port, method: 'POST', path: new URL(tenant.drainUrl).pathname, headers: { 'content-type': 'application/logplex-1', 'content-length': '100000' } })
      req.on('error', () => resolve())
      req.write('x'.repeat(1000), () => setTimeout(() => { req.destroy(); resolve() }, 100))
    })
    await Promise.all([
      postDrain(stack, tenant, 'nonsense', { 'content-type': 'text/plain' }),
      postDrain(stack, tenant, 'nonsense', { 'logplex-drain-token': 'nope' }),
      postDrain(stack, tenant, '5 hello'),
      postDrain(stack, tenant, encodeFrames([{ timestamp: now, appName: 'app', procId: 'web.8', message: 'counted' }]))
    ])
    await eventually(async () => stack.app.drainInflight() === 0, 5000, 50)
    t.equal(stack.app.drainInflight(), 0)
  })
  await t.test('a frame id sent again is acknowledged and stored once', async (t) => {
    const one = encodeFrames([{ timestamp: now, appName: 'app', procId: 'web.7', message: 'once' }])
    const h = { 'logplex-frame-id': '09C557EAFCFB6CF2740EE62F62971098', 'logplex-msg-count': '1' }
    t.equal((await postDrain(stack, tenant, one, h)).status, 204)
    t.equal((await postDrain(stack, tenant, one, h)).status, 204)
    await eventually(async () => (await api(stack, tenant, '/logs?proc=web.7')).json.lines.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.equal((await api(stack, tenant, '/logs?proc=web.7')).json.lines.length, 1)
  })
})

t.test('deprovisioning stops ingestion and the data API at once', async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_TENANT_CACHE_MS: '60000' } })
  const tenant = await stack.tenant()
  const body = encodeFrames([{ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: 'hello' }])
  t.equal((await postDrain(stack, tenant, body)).status, 204)
  t.equal((await api(stack, tenant, '/logs')).status, 200, 'cached now')
  await stack.deprovision(tenant)
  // Even with a 60 s cache, the instance event drops the entry.
  await eventually(async () => (await postDrain(stack, tenant, body)).status === 403, 2000)
  t.equal((await postDrain(stack, tenant, body)).status, 403, '403 after deprovision')
  const r = await api(stack, tenant, '/logs')
  t.equal(r.status, 401)
  t.equal(r.json.code, 'DRAIN_UNAUTHORIZED')
  // Logplex's reading of a 403: the batch is dropped at once, never retried.
  const sender = tenant.sender()
  sender.push({ message: 'after the end' })
  await sender.flush()
  t.same(sender.batches.map((b) => b.statuses), [[403]], 'one attempt')
  t.match(sender.counters, { dropped: 1, retried: 0, acknowledged: 0 })
})

t.test('without the event, instances.state is re-read within the cache time', async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_TENANT_CACHE_MS: '1000' } })
  const tenant = await stack.tenant()
  const body = encodeFrames([{ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: 'hello' }])
  t.equal((await postDrain(stack, tenant, body)).status, 204)
  await stack.db.pool.query("UPDATE instances SET state = 'deprovisioned', updated_at = now() WHERE uuid = $1", [tenant.instanceUuid])
  const started = Date.now()
  await eventually(async () => (await postDrain(stack, tenant, body)).status === 403, 3000)
  t.ok(Date.now() - started < 2500, 'refused within the cache time')
})

t.test('tenant lookups: one read per key at a time; drain users are read again ahead of expiry, data-API users are not', async (t) => {
  const CACHE_MS = 4000
  const stack = await startDrainStack(t, { env: { DRAIN_TENANT_CACHE_MS: String(CACHE_MS) } })
  const tenant = await stack.tenant()
  const tenants = stack.app.tenants
  const apiUser = decodeURIComponent(new URL(tenant.apiUrl).username)
  // Notes when each of the directory's reads starts, and can hold them at a gate (the
  // database busy with COPYs): a lookup that resolves while the gate is closed did not wait
  // for a read.
  const pool = stack.app.db.pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }
  const query = pool.query.bind(pool)
  const readAt: number[] = []
  const running: Array<Promise<unknown>> = []
  let gate: Promise<void> | null = null
  let open = () => {}
  const hold = () => { gate = new Promise<void>((resolve) => { open = () => { gate = null; resolve() } }) }
  pool.query = (...args: unknown[]) => {
    // The log store's tenant lookup (findTenant) is the query with the liveness column.
    if (typeof args[0] !== 'string' || !args[0].includes('AS live')) return query(...args)
    readAt.push(Date.now())
    const wait = gate
    const p = (async () => { if (wait) await wait; return query(...args) })()
    running.push(p.catch(() => {}))
    return p
  }
  t.teardown(() => { open(); pool.query = query })
  /** Waits for every read started so far, and for the directory to take their results. */
  const settled = async () => { await Promise.all(running); await new Promise((resolve) => setImmediate(resolve)) }
  const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())))
  const twenty = (lookup: () => Promise<{ id: string } | null>) => Promise.all(Array.from({ length: 20 }, lookup))
  const found = (xs: Array<{ id: string } | null>) => xs.every((x) => x?.id === tenant.id)
  /** Fails instead of hanging when a lookup waits for a held read. */
  const unheld = async <T>(p: Promise<T>) => {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('waited for a held read')), 3000) })])
    } finally { clearTimeout(timer) }
  }
  const byToken = () => tenants.byDrainUser(decodeURIComponent(new URL(tenant.drainUrl).username))
  const byUser = () => tenants.byApiUser(apiUser)

  tenants.invalidateInstance(tenant.instanceUuid)
  readAt.length = 0
  t.ok(found(await twenty(byToken)), 'found by drain user')
  t.equal(readAt.length, 1, '20 concurrent lookups of a missing entry share one read')
  t.ok(found(await twenty(byUser)), 'found by data-API user')
  t.equal(readAt.length, 2, 'the same for another key: one read')
  const [tokenReadAt, userReadAt] = readAt as [number, number]

  // Both entries past half of their cache time; reads held at the gate.
  await sleepUntil(userReadAt + CACHE_MS / 2 + 100)
  hold()
  t.ok(found(await unheld(twenty(byToken))), 'the drain user is answered from its entry while it is read again')
  t.equal(readAt.length, 3, 'read again once, in the background')
  t.ok(found(await unheld(twenty(byUser))), 'the data-API user is answered from its entry')
  t.equal(readAt.length, 3, 'and is not read ahead')
  open()
  await settled()

  // Past the first entries' cache time: the drain token is served from the entry read in
  // the background (held reads show it does not wait), the data-API user is read again.
  await sleepUntil(Math.max(tokenReadAt, userReadAt) + CACHE_MS + 100)
  hold()
  t.ok(found(await unheld(twenty(byToken))), 'past its first cache time the drain user does not wait for a read')
  const before = readAt.length
  const users = twenty(byUser)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(readAt.length, before + 1, 'an expired data-API user entry: one shared read')
  open()
  t.ok(found(await users))
  await settled()

  // A lookup after an invalidation does not join the read that started before it, and that
  // read's result is not cached.
  tenants.invalidateInstance(tenant.instanceUuid)
  let base = readAt.length
  hold()
  const first = byUser()
  tenants.invalidateInstance(tenant.instanceUuid)
  const second = byUser()
  t.equal(readAt.length, base + 2, 'a lookup after the invalidation reads anew')
  open()
  await Promise.all([first, second])
  await byUser()
  t.equal(readAt.length, base + 2, "and the new read's result is cached")

  tenants.invalidateInstance(tenant.instanceUuid)
  base = readAt.length
  hold()
  const early = byUser()
  tenants.invalidateInstance(tenant.instanceUuid)
  open()
  await early
  await byUser()
  t.equal(readAt.length, base + 2, 'a read that started before the invalidation is not cached')
})
