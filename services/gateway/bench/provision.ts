// Benchmark of new provisions and replays through the real stack (gateway + allocator +
// NATS + PostgreSQL + Heroku simulator, logs driver), side by side in the same run with a
// bare Fastify route that has the same body schema and Basic auth and returns a constant.
// Bounded in count and time; targets 127.0.0.1 only. Run: pnpm --filter @addonkit/gateway bench
// The figures also go to bench/results/provision.json (testkit writeBenchResults: commit,
// node, load average before and after), so a change can be compared with the last run.
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { benchRun, compareInterleaved, runLoad, writeBenchResults, type VariantSummary } from '@addonkit/testkit'
import { basicAuth } from '../src/auth.js'
import { ProvisionBody } from '../src/routes/schemas.js'
import { startBenchStack } from './stack.js'

const started = benchRun()
const stack = await startBenchStack()
const { base, newBody } = stack
const { gatewayUrl } = await stack.startPair()

const bare = Fastify({ logger: false })
bare.addHook('onRequest', basicAuth(base.addon.id, base.addonPassword))
bare.post('/heroku/resources', { schema: { body: ProvisionBody } }, async (req) => ({ id: (req.body as { uuid: string }).uuid, message: 'constant' }))
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })
const post = stack.post

const replayPool: unknown[] = []

// Warm-up (JIT, connection pools), not reported.
await runLoad({ concurrency: 8, total: 200, maxMs: 20_000, fn: async () => { const b = newBody(); replayPool.push(b); return post(gatewayUrl, b) } })
await runLoad({ concurrency: 8, total: 500, maxMs: 10_000, fn: () => post(bareUrl, newBody()) })

// Each concurrency in ROUNDS rounds of bare route, new provisions and replays, the order
// rotating (testkit compareInterleaved): this 2-core VM is shared, and a round moves with
// whatever else runs, so each figure is the median over rounds of the figure in its round,
// and a ratio the median of the per-round ratios to the bare route (the same round).
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const VARIANTS = ['bare route', 'new provision', 'replay']
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits
const scenarios: Record<string, unknown> = {}
const table: string[] = []
for (const c of [1, 16, 64]) {
  const total = c === 1 ? 60 : 200
  const fns: Record<string, (i: number) => Promise<boolean>> = {
    'bare route': () => post(bareUrl, newBody()),
    'new provision': async () => { const b = newBody(); replayPool.push(b); return post(gatewayUrl, b) },
    replay: (i) => post(gatewayUrl, replayPool[(i * 7919) % replayPool.length])
  }
  const summaries = await compareInterleaved(VARIANTS, ROUNDS, (v) => runLoad({ concurrency: c, total: v === 'bare route' ? total * 2 : total, maxMs: 30_000, fn: fns[v]! }))
  const get = (name: string) => summaries.find((x) => x.name === name)!
  const figures = (x: VariantSummary) => ({
    calls: x.rounds.reduce((a, r) => a + r.calls, 0),
    errors: x.rounds.reduce((a, r) => a + r.errors, 0),
    perSecond: round(x.perSecond),
    p50Ms: round(x.p50),
    p99Ms: round(x.p99),
    worstRoundP99Ms: round(Math.max(...x.rounds.map((r) => r.p99))),
    perRound: x.rounds.map((r) => ({ perSecond: round(r.perSecond), p50Ms: round(r.p50), p99Ms: round(r.p99) }))
  })
  const b = get('bare route'); const n = get('new provision'); const r = get('replay')
  for (const x of [b, n, r]) table.push(`| ${x.name}, c=${c} | ${figures(x).calls} | ${figures(x).errors} | ${x.perSecond.toFixed(0)} | ${x.p50.toFixed(1)} | ${x.p99.toFixed(1)} | ${x === b ? '1' : x.medianRatio.toFixed(3)} |`)
  scenarios[`c=${c}`] = {
    concurrency: c,
    baseline: { name: 'bare route (same body schema and Basic auth, constant answer)', ...figures(b) },
    newProvision: { ...figures(n), ratioToBaseline: round(n.medianRatio, 3) },
    replay: { ...figures(r), ratioToBaseline: round(r.medianRatio, 3), ratioToNew: round(r.perSecond / n.perSecond, 2) }
  }
}

console.log(`${ROUNDS} rounds per concurrency; median over rounds of each round's figures, ratios the median of per-round ratios`)
console.log('| scenario | calls | errors | per second | p50 ms | p99 ms | × bare route |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const line of table) console.log(line)
const file = writeBenchResults(fileURLToPath(new URL('.', import.meta.url)), 'provision', started, {
  goal: 'new provision at c=16: p99 < 100 ms and >= 0.25x the bare route; replay no slower than new (issue 20)',
  method: `${ROUNDS} rounds per concurrency of bare route, new provisions and replays, order rotating; per-second is over all rounds, p50/p99 the median of the rounds' (worstRoundP99Ms the largest), ratioToBaseline the median of per-round ratios`,
  scenarios
})
console.log(`\nfigures: ${file}`)

await bare.close()
await stack.close()
process.exit(0)
