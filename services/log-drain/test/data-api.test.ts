// The add-on's data API with the ADDONKIT_URL credentials: search filters and cursor
// pagination, live tail over SSE, posting lines (JSON and NDJSON), 401 and 429.
import t from 'tap'
import { encodeFrames } from '@addonkit/logplex'
import { startDrainStack, postDrain, api, eventually, openSseTail, type DrainStack, type TestTenant } from './helper.js'

function router (ts: string, status: number, path: string, dyno = 'web.1') {
  return { pri: 158, timestamp: ts, appName: 'heroku', procId: 'router', message: `at=info method=GET path="${path}" host=app.herokuapp.com request_id=r-${status}-${path} fwd="1.2.3.4" dyno=${dyno} connect=0ms service=${status}ms status=${status} bytes=10 protocol=https` }
}

async function seed (stack: DrainStack, tenant: TestTenant) {
  const base = Date.now() - 60_000
  const at = (i: number) => new Date(base + i * 100).toISOString()
  const frames = [
    router(at(0), 200, '/'),
    router(at(1), 503, '/api/orders'),
    router(at(2), 500, '/api/users'),
    router(at(3), 404, '/missing'),
    { timestamp: at(4), appName: 'app', procId: 'web.1', message: 'Completed 200 OK in 12ms' },
    { timestamp: at(5), appName: 'app', procId: 'web.2', message: 'Payment FAILED for order 42' },
    { timestamp: at(6), appName: 'app', procId: 'worker.1', message: 'job 100%_done \\ ok' },
    { timestamp: at(7), appName: 'heroku', procId: 'web.1', message: 'State changed from starting to up' }
  ]
  for (let i = 0; i < 25; i++) frames.push({ timestamp: at(10 + i), appName: 'app', procId: 'web.3', message: `page line ${i}` })
  const res = await postDrain(stack, tenant, encodeFrames(frames), { 'logplex-msg-count': String(frames.length) })
  if (res.status !== 204) throw new Error(`seed: ${res.status}`)
  await eventually(async () => (await stack.storedCount(tenant)) === frames.length)
  return base
}

t.test('search, cursor pagination, tail, posting lines, 401 and 429', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant('standard')
  const base = await seed(stack, tenant)

  await t.test('filters', async (t) => {
    const q = async (query: string) => { const r = await api(stack, tenant, `/logs?${query}`); t.equal(r.status, 200, query); return r.json.lines as any[] }
    t.same((await q('status=5xx')).map((l) => l.router.path), ['/api/users', '/api/orders'], 'status class, newest first')
    t.same((await q('status=404')).map((l) => l.router.path), ['/missing'])
    t.same((await q('path=/api/*')).map((l) => l.router.status), [500, 503], 'path prefix')
    t.same((await q('path=/')).length, 1, 'exact path')
    t.same((await q('q=failed')).map((l) => l.message), ['Payment FAILED for order 42'], 'case-insensitive text')
    t.same((await q(`q=${encodeURIComponent('100%_done \\')}`)).length, 1, 'LIKE wildcards are literal')
    t.same((await q('q=100%25x')).length, 0)
    t.equal((await q('source=heroku&limit=1000')).length, 5, 'source')
    t.equal((await q('proc=web.3&limit=1000')).length, 25, 'proc id')
    t.equal((await q('proc=web&limit=1000')).length, 28, 'proc type matches web.1, web.2, web.3')
    t.equal((await q(`since=${new Date(base + 950).toISOString()}&proc=web.3&limit=1000`)).length, 25, 'since')
    t.equal((await q(`until=${base + 250}`)).length, 3, 'until as epoch ms')
    const bad = await api(stack, tenant, '/logs?status=6xx')
    t.equal(bad.status, 400)
    t.equal(bad.json.code, 'DRAIN_BAD_REQUEST')
    t.equal((await api(stack, tenant, '/logs?cursor=nonsense')).json.code, 'DRAIN_BAD_REQUEST')
  })

  await t.test('cursor pagination returns every line once, newest first', async (t) => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const r: any = await api(stack, tenant, `/logs?proc=web.3&limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...r.json.lines.map((l: any) => l.message))
      cursor = r.json.next_cursor
      pages++
    } while (cursor)
    t.equal(pages, 4)
    t.same(seen, Array.from({ length: 25 }, (_, i) => `page line ${24 - i}`))
  })

  await t.test('tail shows a line sent after connecting', async (t) => {
    const tail = await openSseTail(stack, tenant)
    t.teardown(() => tail.close())
    const body = encodeFrames([{ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: 'live ✓' }])
    t.equal((await postDrain(stack, tenant, body)).status, 204)
    const ev = await eventually(() => tail.events.find((e) => e.data.message === 'live ✓'))
    t.match(ev.data, { source: 'app', proc: 'web.1' })
  })

  await t.test('POST lines as JSON and NDJSON, stored like drained lines', async (t) => {
    const json = await api(stack, tenant, '/logs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lines: [{ message: 'from the app' }, { message: 'with proc', proc: 'clock.1', at: new Date().toISOString() }] }) })
    t.equal(json.status, 200)
    t.same(json.json, { accepted: 2 })
    const nd = await api(stack, tenant, '/logs', { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'k-1' }, body: '{"message":"nd 1"}\n{"message":"nd 2\\nwith a newline","proc":"web.5"}\n' })
    t.same(nd.json, { accepted: 2 })
    const again = await api(stack, tenant, '/logs', { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'k-1' }, body: '{"message":"nd 1"}\n{"message":"nd 2\\nwith a newline","proc":"web.5"}\n' })
    t.same(again.json, { accepted: 2 }, 'a retry with the same Idempotency-Key is acknowledged')
    const found = await eventually(async () => { const r = await api(stack, tenant, '/logs?q=nd%202'); return r.json.lines.length ? r.json.lines : null })
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.equal((await api(stack, tenant, '/logs?q=nd%20')).json.lines.length, 2, 'and stored once')
    t.match(found[0], { proc: 'web.5', source: 'app', message: 'nd 2\nwith a newline' })
    await eventually(async () => (await api(stack, tenant, '/logs?proc=clock.1')).json.lines.length === 1)
    const badNd = await api(stack, tenant, '/logs', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"message":1}\n' })
    t.equal(badNd.status, 400)
    const badJson = await api(stack, tenant, '/logs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"lines":[]}' })
    t.equal(badJson.status, 400)
    t.equal(badJson.json.code, 'DRAIN_BAD_REQUEST')
  })

  await t.test('401 with bad credentials; the previous secret works during the grace period', async (t) => {
    const none = await api(stack, tenant, '/logs', { auth: '' })
    t.equal(none.status, 401)
    t.equal(none.json.code, 'DRAIN_UNAUTHORIZED')
    t.match(none.headers.get('www-authenticate'), /^Basic/)
    const u = new URL(tenant.apiUrl)
    t.equal((await api(stack, tenant, '/logs', { auth: 'Basic ' + Buffer.from(`${u.username}:wrong`).toString('base64') })).status, 401)
    const { defaultDrivers } = await import('@addonkit/allocator')
    const rotated = await defaultDrivers().get('logs')!.rotateCredentials(await stack.driverContext(tenant.instanceUuid))
    const n = new URL(Object.values(rotated.config)[0]!)
    stack.app.tenants.invalidateInstance(tenant.instanceUuid)
    t.equal((await api(stack, tenant, '/logs', { auth: 'Basic ' + Buffer.from(`${decodeURIComponent(n.username)}:${decodeURIComponent(n.password)}`).toString('base64') })).status, 200, 'new secret')
    t.equal((await api(stack, tenant, '/logs')).status, 200, 'old secret still valid for the grace period')
  })
})

t.test('429 with Retry-After over the plan\'s requests per minute', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant('tiny') // 5 requests a minute
  const statuses: number[] = []
  let retryAfter: string | null = null
  for (let i = 0; i < 7; i++) {
    const r = await api(stack, tenant, '/logs')
    statuses.push(r.status)
    if (r.status === 429) { retryAfter = r.headers.get('retry-after'); t.equal(r.json.code, 'DRAIN_RATE_LIMITED') }
  }
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429])
  t.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 12, `Retry-After ${retryAfter}`)
  t.equal((await postDrain(stack, tenant, encodeFrames([{ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: 'drains are not rate limited' }]))).status, 204)
})
