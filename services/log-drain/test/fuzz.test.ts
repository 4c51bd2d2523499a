// A bounded fuzz run: random bodies and headers against POST /drain (and a few against the
// data API). Nothing may crash, and the only 5xx allowed is 503 (issue 4): a 500 would be
// retried by Logplex like a 503, but means a bug.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { encodeFrames } from '@addonkit/logplex'
import { startDrainStack, postDrain, api } from './helper.js'

/** Deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function rng (seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

t.test('2,000 random requests: no crash, no 5xx but 503', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant('standard')
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)
  t.comment(`FUZZ_SEED=${seed}`)
  const r = rng(seed)
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!
  const now = new Date().toISOString()
  const valid = encodeFrames(Array.from({ length: 5 }, (_, i) => ({ timestamp: now, appName: pick(['app', 'heroku']), procId: pick(['web.1', 'router', 'logplex']), message: `m ${i} ${'é'.repeat(i)}` })))
  const statuses = new Map<number, number>()
  let withoutCode = 0
  for (let i = 0; i < 2000; i++) {
    let body: Buffer
    switch (Math.floor(r() * 6)) {
      case 0: body = randomBytes(Math.floor(r() * 2000)); break
      case 1: { body = Buffer.from(valid); for (let k = 0; k < 3; k++) body[Math.floor(r() * body.length)] = Math.floor(r() * 256); break }
      case 2: body = valid.subarray(0, Math.floor(r() * valid.length)); break
      case 3: body = Buffer.from(`${Math.floor(r() * 1e9)} <${Math.floor(r() * 300)}>${Math.floor(r() * 3)} ${pick([now, '-', 'x'])} host ${pick(['app', '', ' '])} web.1 - hi\n`); break
      case 4: body = Buffer.concat([valid, randomBytes(Math.floor(r() * 20))]); break
      default: body = valid
    }
    const headers: Record<string, string> = {}
    if (r() < 0.3) headers['logplex-msg-count'] = pick(['5', '0', '-1', '99999999', 'abc', '', '5 ', '1e3'])
    if (r() < 0.2) headers['logplex-frame-id'] = pick(['', 'x'.repeat(300), 'ünïcode', 'A B', randomBytes(8).toString('hex')])
    if (r() < 0.1) headers['content-type'] = pick(['application/json', 'application/logplex-1; charset=utf-8', 'APPLICATION/LOGPLEX-1', '', 'text/plain'])
    if (r() < 0.05) headers['logplex-drain-token'] = pick(['', 'd.x', randomBytes(200).toString('hex')])
    if (r() < 0.05) headers.authorization = pick(['Basic', 'Basic !!!', 'Bearer x', 'Basic ' + Buffer.from(':').toString('base64')])
    const res = await postDrain(stack, tenant, body, headers)
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    if (res.status >= 500 && res.status !== 503) { t.fail(`status ${res.status} for request ${i}: ${JSON.stringify(res.json)}`); break }
    if (res.status >= 400 && typeof res.json?.code !== 'string') withoutCode++
  }
  for (let i = 0; i < 100; i++) {
    const path = pick(['/logs?limit=0', '/logs?cursor=' + randomBytes(12).toString('base64url'), '/logs?since=yesterday', '/logs?status=6xx', '/logs?q=%25_%5C', '/logs?limit=abc', '/logs?path=*', '/logs?proc=a%20b'])
    const res = await api(stack, tenant, path)
    if (res.status >= 500) { t.fail(`status ${res.status} for GET ${path}`); break }
    if (res.status === 429) break
  }
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.equal(withoutCode, 0, 'every error answer has a code')
  t.ok((statuses.get(204) ?? 0) > 0, 'valid bodies were accepted')
  t.equal((await stack.app.inject('/healthz')).statusCode, 200, 'still alive')
})
