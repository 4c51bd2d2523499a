// The simulated app (protocol §21.5): the queueing arithmetic, router lines that follow load and
// dyno count, H12 past 30 s and H14 without dynos, determinism with a seed, and the runner
// that sends the lines through the drain sender and follows a formation change.
import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AppModel, type RouterRequest, ROUTER_TIMEOUT_MS, createRng, erlangC, formatRouterLine, initialAppState, meanWaitSeconds,
  parseDrainBody, routerLinesFor, startAppTraffic, stepApp, utilization, type DrainFrame
} from '../src/index.js'
import { startSim } from './helper.js'

const MODEL: AppModel = { app: 'shop', rps: 20, serviceMs: 50 }
const ROUTER = /^at=info method=GET path="([^"]*)" host=(\S+) request_id=([0-9a-f-]{36}) fwd="(203\.0\.113\.\d+)" dyno=web\.(\d+) connect=(\d+)ms service=(\d+)ms status=(\d{3}) bytes=(\d+) protocol=https$/

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.95 * (xs.length - 1))]!
const served = (lines: RouterRequest[]) => lines.filter((l) => l.code === undefined).map((l) => l.serviceMs)

t.test('queueing: utilization and Erlang C', async (t) => {
  t.equal(utilization(20, 0.05, 2), 0.5)
  t.equal(utilization(5, 0.05, 0), Infinity)
  t.equal(utilization(0, 0.05, 0), 0)
  t.equal(erlangC(1, 0.5), 0.5, 'M/M/1: the chance to wait is ρ')
  t.ok(Math.abs(erlangC(2, 1) - 1 / 3) < 1e-12, 'M/M/2 at a = 1: 1/3')
  t.equal(erlangC(2, 2), 1, 'unstable')
  t.ok(Math.abs(meanWaitSeconds(10, 0.05, 1) - 0.05) < 1e-12, 'M/M/1: Wq = ρ/(μ−λ) = 0.5/10')
  t.equal(meanWaitSeconds(30, 0.05, 1), Infinity)
  t.ok(Number.isFinite(erlangC(500, 450)), 'stays finite for many servers')
})

t.test('router lines: Heroku\'s format, spread over web.1..web.N, mostly 200', async (t) => {
  const lines = routerLinesFor({ ...MODEL, paths: ['/', '/cart'], errorRate: 0.1 }, 4, 30, createRng(3), Date.UTC(2024, 4, 1))
  t.ok(lines.length > 500 && lines.length < 700, `about 600 requests in 30 s at 20 rps (${lines.length})`)
  const parsed = lines.map((l) => ROUTER.exec(l.line))
  t.same(lines.filter((_, i) => !parsed[i]).map((l) => l.line), [], 'every line is a router line')
  const fields = parsed.filter((m) => m !== null)
  t.same(new Set(fields.map((m) => m[2])), new Set(['shop.herokuapp.com']))
  t.ok(fields.every((m, i) => Number(m[7]) === lines[i]!.serviceMs), 'service= is the modelled time')
  const dynos = new Set(fields.map((m) => m[5]!))
  const statuses = new Map<string, number>()
  for (const m of fields) statuses.set(m[8]!, (statuses.get(m[8]!) ?? 0) + 1)
  t.same([...dynos].sort(), ['1', '2', '3', '4'])
  t.ok(statuses.get('200')! > lines.length * 0.8 && statuses.get('500')! > 0, 'errorRate gives some 500s')
  t.same(new Set(lines.map((l) => l.path)), new Set(['/', '/cart']))
  t.ok(lines.every((l, i) => i === 0 || l.at >= lines[i - 1]!.at), 'by time')
  t.equal(formatRouterLine({ method: 'GET', path: '/', host: 'myapp.herokuapp.com', requestId: '2b3f7a0e-1c1d-4d0e-9a53-6c8f7f0b1e11', fwd: '203.0.113.5', dyno: 'web.1', connectMs: 0, serviceMs: 3, status: 200, bytes: 512 }),
    'at=info method=GET path="/" host=myapp.herokuapp.com request_id=2b3f7a0e-1c1d-4d0e-9a53-6c8f7f0b1e11 fwd="203.0.113.5" dyno=web.1 connect=0ms service=3ms status=200 bytes=512 protocol=https', 'the §11.1 example, byte for byte')
})

t.test('more load means longer service times; more dynos, shorter', async (t) => {
  const at = (rps: number, dynos: number) => served(routerLinesFor({ ...MODEL, rps }, dynos, 120, createRng(11), 0))
  const light = at(5, 1)
  const busy = at(15, 1)
  const nearFull = at(19, 1)
  t.ok(mean(light) < mean(busy) && mean(busy) < mean(nearFull), `mean ${mean(light).toFixed(0)} < ${mean(busy).toFixed(0)} < ${mean(nearFull).toFixed(0)} ms`)
  t.ok(p95(nearFull) > 5 * p95(light), 'the tail grows steeply as ρ nears 1')
  const two = at(19, 2)
  const four = at(19, 4)
  t.ok(mean(two) < mean(nearFull) && mean(four) < mean(two), `mean ${mean(nearFull).toFixed(0)} > ${mean(two).toFixed(0)} > ${mean(four).toFixed(0)} ms`)
  t.ok(Math.abs(mean(four) - MODEL.serviceMs) < 10, 'with dynos to spare, about the base service time')
  const threaded = served(routerLinesFor({ ...MODEL, rps: 19, concurrency: 4 }, 1, 120, createRng(11), 0))
  t.ok(mean(threaded) < mean(nearFull) / 2, 'concurrency per dyno adds servers too')
})

t.test('overload builds a backlog until H12 at 30 s; scaling up drains it', async (t) => {
  let state = initialAppState(0)
  const rng = createRng(5)
  const all: RouterRequest[] = []
  const backlogs: number[] = []
  for (let i = 0; i < 110; i++) {
    const step = stepApp({ ...MODEL, rps: 30 }, state, i < 75 ? 1 : 4, 1, rng)
    if (!step.lines.every((l) => l.at.getTime() <= step.state.now)) t.fail(`step ${i} emitted a line before its time`)
    state = step.state
    all.push(...step.lines)
    backlogs.push(state.backlog)
    if (i === 0) t.equal(step.utilization, 1.5)
  }
  t.equal(Math.round(backlogs[59]!), 600, 'ρ = 1.5 on one dyno: the backlog grows 10 a second')
  t.equal(backlogs[109], 0, 'four dynos drained it')
  const h12 = all.filter((l) => l.code === 'H12')
  t.ok(h12.length > 0, `H12s (${h12.length})`)
  t.match(h12[0]!.line, /^at=error code=H12 desc="Request timeout" method=GET path="\/" host=shop\.herokuapp\.com request_id=\S+ fwd="\S+" dyno=web\.1 connect=\d+ms service=30000ms status=503 bytes=0 protocol=https$/)
  t.ok(h12.every((l) => l.serviceMs === ROUTER_TIMEOUT_MS && l.status === 503))
  const late = all.filter((l) => l.arrivedAt.getTime() > 95_000)
  t.ok(late.length > 0 && late.every((l) => l.code === undefined) && mean(served(late)) < 200, `after the drain, fast answers again (${mean(served(late)).toFixed(0)} ms)`)
  const early = all.filter((l) => l.arrivedAt.getTime() < 30_000)
  t.ok(early.every((l) => l.code === undefined), 'a backlog under 30 s of work is slow but served')
  const stuck = all.filter((l) => l.arrivedAt.getTime() > 62_000 && l.arrivedAt.getTime() < 75_000)
  t.ok(stuck.length > 100 && stuck.every((l) => l.code === 'H12'), 'requests behind more than 30 s of backlog time out')
})

t.test('no web dynos: every request is H14 with empty dyno and timings', async (t) => {
  const lines = routerLinesFor(MODEL, 0, 5, createRng(1), 0)
  t.ok(lines.length > 50)
  t.ok(lines.every((l) => l.code === 'H14' && l.status === 503 && l.dyno === null))
  t.match(lines[0]!.line, /^at=error code=H14 desc="No web processes running" method=GET path="\/" host=shop\.herokuapp\.com request_id=\S+ fwd="\S+" dyno= connect= service= status=503 bytes= protocol=https$/)
  t.same(routerLinesFor({ ...MODEL, rps: 0 }, 2, 10, createRng(1), 0), [], 'no load, no lines')
})

t.test('deterministic: the same seed gives the same lines, another seed others', async (t) => {
  const a = routerLinesFor(MODEL, 2, 20, createRng('seed-a'), 1_700_000_000_000)
  const b = routerLinesFor(MODEL, 2, 20, createRng('seed-a'), 1_700_000_000_000)
  const c = routerLinesFor(MODEL, 2, 20, createRng('seed-b'), 1_700_000_000_000)
  t.same(a.map((l) => [l.at.toISOString(), l.line]), b.map((l) => [l.at.toISOString(), l.line]))
  t.not(a.map((l) => l.line).join('\n'), c.map((l) => l.line).join('\n'))
  const formation = [{ id: 'x', type: 'web', quantity: 2, size: 'standard-1X', command: 'npm start', app: { id: 'a', name: 'shop' }, created_at: '', updated_at: '' }]
  t.same(routerLinesFor(MODEL, formation, 20, createRng('seed-a'), 1_700_000_000_000).map((l) => l.line), a.map((l) => l.line), 'a formation reads as its web quantity')
})

interface Drain { url: string, frames: DrainFrame[], tokens: string[], errors: string[] }

async function drainServer (t: { teardown (fn: () => unknown): void }): Promise<Drain> {
  const drain: Drain = { url: '', frames: [], tokens: [], errors: [] }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        const frames = parseDrainBody(Buffer.concat(chunks))
        if (Number(req.headers['logplex-msg-count']) !== frames.length) throw new Error('Logplex-Msg-Count mismatch')
        drain.frames.push(...frames)
        drain.tokens.push(String(req.headers['logplex-drain-token']))
        res.writeHead(204)
      } catch (err) {
        drain.errors.push((err as Error).message)
        res.writeHead(400)
      }
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  drain.url = `http://u:p@127.0.0.1:${(server.address() as AddressInfo).port}/logplex`
  return drain
}

t.test('the runner sends router frames a Logplex drain parser accepts, and follows a formation change', async (t) => {
  const sim = await startSim(t)
  const addon = sim.registerAddon('11111111-2222-4333-8444-555555555555')
  const app = sim.app(addon.app.id)
  const drain = await drainServer(t)
  const traffic = startAppTraffic({ model: { app: app.name, rps: 40, serviceMs: 50 }, sim, drainUrl: drain.url, drainToken: addon.logDrainToken, autoStart: false, seed: 9, startAt: Date.UTC(2024, 4, 1) })
  t.teardown(() => traffic.stop())
  const before = await traffic.tick()
  t.equal(before.webDynos, 1)
  t.equal(before.utilization, 2)
  sim.scaleByHand(app.id, { type: 'web', quantity: 4 })
  const after = await traffic.tick()
  t.equal(after.webDynos, 4, 'the next step read the new formation')
  t.equal(after.utilization, 0.5)
  t.same(drain.errors, [])
  t.ok(drain.frames.length > 0)
  t.equal(drain.frames.length, before.lines.length + after.lines.length, 'every line arrived')
  t.ok(drain.frames.every((f) => f.pri === 158 && f.hostname === 'host' && f.appName === 'heroku' && f.procId === 'router' && f.msgId === '-'))
  t.ok(drain.frames.every((f) => ROUTER.test(f.message)), 'each MSG is a router line')
  t.same([...new Set(drain.tokens)], [addon.logDrainToken])
  const dynosAfter = new Set(after.lines.filter((l) => l.at.getTime() > Date.UTC(2024, 4, 1) + 1000 && l.dyno !== null && l.serviceMs < 500).map((l) => l.dyno))
  t.ok(dynosAfter.size > 1, `after scaling, requests reach ${[...dynosAfter].join(', ')}`)
  t.ok(drain.frames[0]!.timestamp.startsWith('2024-05-01T00:00:0'), 'stamped in simulated time')
  // Logplex stamps drain frames with microsecond precision (§11.1): six fraction digits.
  t.ok(drain.frames.every((f) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/.test(f.timestamp)), 'six fraction digits, +00:00')
  t.same(drain.frames.map((f) => f.timestamp), [...before.lines, ...after.lines].map((l) => `${l.at.toISOString().slice(0, -1)}000+00:00`), 'each frame carries its line\'s time')
  traffic.setLoad(0)
  const idle = await traffic.tick()
  t.ok(idle.lines.every((l) => l.arrivedAt.getTime() < Date.UTC(2024, 4, 1) + 2000), 'no new arrivals once the load is 0')
})

t.test('the runner on a timer, reading the dyno count from a function; same seed, same lines', async (t) => {
  const drain = await drainServer(t)
  let dynos = 0
  const start = Date.now()
  const traffic = startAppTraffic({ model: { app: 'timed', rps: 50, serviceMs: 20 }, webDynos: () => dynos, drainUrl: drain.url, drainToken: 'd.x', tickMs: 100, seed: 'timer', startAt: start })
  await new Promise((resolve) => setTimeout(resolve, 250))
  dynos = 2
  await new Promise((resolve) => setTimeout(resolve, 300))
  await traffic.stop()
  t.equal(traffic.lastError, undefined)
  t.ok(traffic.steps.length >= 4, `${traffic.steps.length} steps in ~550 ms`)
  t.equal(traffic.steps[0]!.webDynos, 0)
  t.equal(traffic.steps.at(-1)!.webDynos, 2)
  const messages = drain.frames.map((f) => f.message)
  t.ok(messages.some((m) => m.includes('code=H14')) && messages.some((m) => m.startsWith('at=info')), 'H14 before scaling, served after')
  t.ok(drain.frames.every((f) => Date.parse(f.timestamp) <= Date.now()), 'no line from the future')

  // Replaying the same steps by hand with the same seed and dyno counts gives the same lines.
  const replay = startAppTraffic({ model: { app: 'timed', rps: 50, serviceMs: 20 }, webDynos: () => traffic.steps[replay.steps.length]!.webDynos, drainUrl: drain.url, drainToken: 'd.x', tickMs: 100, seed: 'timer', startAt: start, autoStart: false })
  for (let i = 0; i < traffic.steps.length; i++) await replay.tick()
  await replay.stop()
  t.same(replay.steps.flatMap((s) => s.lines.map((l) => l.line)), traffic.steps.flatMap((s) => s.lines.map((l) => l.line)))
  t.throws(() => startAppTraffic({ model: MODEL, drainUrl: drain.url, drainToken: 'd.x' }), TypeError)
})
