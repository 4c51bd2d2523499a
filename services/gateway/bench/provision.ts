// Benchmark of new provisions and replays through the real stack (gateway + allocator +
// NATS + PostgreSQL + Heroku simulator, logs driver), side by side in the same run with a
// bare Fastify route that has the same body schema and Basic auth and returns a constant.
// Bounded in count and time; targets 127.0.0.1 only. Run: pnpm --filter @addonkit/gateway bench
// The figures also go to bench/results/provision.json (testkit writeBenchResults: commit,
// node, load average before and after), so a change can be compared with the last run.
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { benchRun, runLoad, formatRow, writeBenchResults, type LoadResult } from '@addonkit/testkit'
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
const run = async (label: string, concurrency: number, total: number, fn: (i: number) => Promise<boolean>): Promise<[string, LoadResult]> =>
  [label, await runLoad({ concurrency, total, maxMs: 30_000, fn })]

// Warm-up (JIT, connection pools), not reported.
await runLoad({ concurrency: 8, total: 200, maxMs: 20_000, fn: async () => { const b = newBody(); replayPool.push(b); return post(gatewayUrl, b) } })
await runLoad({ concurrency: 8, total: 500, maxMs: 10_000, fn: () => post(bareUrl, newBody()) })

const rows: Array<[string, LoadResult]> = []
for (const c of [1, 16, 64]) {
  const total = c === 1 ? 150 : 600
  rows.push(await run(`bare route, c=${c}`, c, total * 2, () => post(bareUrl, newBody())))
  rows.push(await run(`new provision, c=${c}`, c, total, async () => { const b = newBody(); replayPool.push(b); return post(gatewayUrl, b) }))
  rows.push(await run(`replay, c=${c}`, c, total, (i) => post(gatewayUrl, replayPool[i % replayPool.length])))
}

console.log('| scenario | calls | errors | per second | p50 ms | p99 ms |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const [label, r] of rows) console.log(formatRow(label, r))
console.log('')
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits
const figures = (r: LoadResult) => ({ calls: r.calls, errors: r.errors, perSecond: round(r.perSecond), p50Ms: round(r.p50), p99Ms: round(r.p99), maxMs: round(r.max) })
const scenarios: Record<string, unknown> = {}
for (const c of [1, 16, 64]) {
  const get = (prefix: string) => rows.find(([l]) => l === `${prefix}, c=${c}`)![1]
  const b = get('bare route'); const n = get('new provision'); const r = get('replay')
  console.log(`c=${c}: new provision ${(n.perSecond / b.perSecond).toFixed(3)}x the bare route's throughput (p99 ${n.p99.toFixed(1)} vs ${b.p99.toFixed(1)} ms); replay ${(r.perSecond / b.perSecond).toFixed(3)}x (p99 ${r.p99.toFixed(1)} ms); replay/new throughput ${(r.perSecond / n.perSecond).toFixed(2)}x`)
  scenarios[`c=${c}`] = {
    concurrency: c,
    baseline: { name: 'bare route (same body schema and Basic auth, constant answer)', ...figures(b) },
    newProvision: { ...figures(n), ratioToBaseline: round(n.perSecond / b.perSecond, 3) },
    replay: { ...figures(r), ratioToBaseline: round(r.perSecond / b.perSecond, 3), ratioToNew: round(r.perSecond / n.perSecond, 2) }
  }
}
const file = writeBenchResults(fileURLToPath(new URL('.', import.meta.url)), 'provision', started, {
  goal: 'new provision at c=16: p99 < 100 ms and >= 0.25x the bare route; replay no slower than new (issue 20)',
  scenarios
})
console.log(`\nfigures: ${file}`)

await bare.close()
await stack.close()
process.exit(0)
