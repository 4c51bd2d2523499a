// What metrics and tracing cost provisioning: three gateway + allocator pairs on the same
// PostgreSQL, NATS and simulator — METRICS=off (the baseline), metrics on (scraped every
// second, as a busy Prometheus would), and metrics on with tracing exported over OTLP to a
// local sink — loaded in alternating rounds (compareInterleaved). Targets 127.0.0.1 only.
// Run: pnpm --filter @addonkit/gateway bench (after provision.ts), or this file alone.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { compareInterleaved, runLoad, type VariantSummary } from '@addonkit/testkit'
import { startBenchStack } from './stack.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const CONCURRENCY = 16

const stack = await startBenchStack()
// The OTLP receiver: reads each export and answers 200, counting spans' requests.
let exports = 0
const sink = createServer((req, res) => { req.resume(); req.on('end', () => { exports++; res.writeHead(200, { 'content-type': 'application/json' }).end('{}') }) })
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
const otlp = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`

const variants = {
  'metrics off': await stack.startPair({ METRICS: 'off' }),
  'metrics on': await stack.startPair({}),
  'metrics on + tracing': await stack.startPair({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp })
}
const names = Object.keys(variants) as Array<keyof typeof variants>

// Scrapes of the variants with metrics, once a second, for the whole run.
let scrapes = 0
const scraper = setInterval(() => {
  for (const name of names.slice(1)) {
    const v = variants[name]
    for (const url of [`${v.gatewayUrl}/metrics`, `http://127.0.0.1:${v.allocatorPort}/metrics`]) {
      fetch(url).then(async (r) => { await r.arrayBuffer(); if (r.ok) scrapes++ }, () => {})
    }
  }
}, 1000)

const replayPools = new Map<string, unknown[]>(names.map((n) => [n, []]))
const provision = (name: keyof typeof variants, total: number) => runLoad({
  concurrency: CONCURRENCY, total, maxMs: 30_000,
  fn: async () => { const b = stack.newBody(); replayPools.get(name)!.push(b); return stack.post(variants[name].gatewayUrl, b) }
})
// Warm-up (JIT, pools, the tracer's first export), not reported.
for (const name of names) await provision(name, 150)

console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}; ${ROUNDS} rounds, concurrency ${CONCURRENCY}\n`)
const print = (label: string, rows: VariantSummary[]) => {
  console.log(`${label}\n| variant | calls | per second | × metrics off (median of rounds) | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- | --- |`)
  for (const r of rows) console.log(`| ${r.name} | ${r.rounds.reduce((a, x) => a + x.calls, 0)} | ${r.perSecond.toFixed(0)} | ${r.medianRatio.toFixed(3)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`)
  console.log(`per-round ratios: ${rows.slice(1).map((r) => `${r.name}: ${r.rounds.map((x, i) => (x.perSecond / rows[0]!.rounds[i]!.perSecond).toFixed(3)).join(' ')}`).join('; ')}`)
  const errors = rows.reduce((a, r) => a + r.rounds.reduce((b, x) => b + x.errors, 0), 0)
  if (errors) console.log(`(${errors} requests failed)`)
  console.log('')
}
print('new provisions (grant exchange, config, actions/provision; answered 200 within the sync budget)',
  await compareInterleaved(names, ROUNDS, (name) => provision(name as keyof typeof variants, 200)))
print('replays (the same request again: the stored answer)',
  await compareInterleaved(names, ROUNDS, (name) => {
    const pool = replayPools.get(name)!
    return runLoad({ concurrency: CONCURRENCY, total: 600, maxMs: 30_000, fn: (i) => stack.post(variants[name as keyof typeof variants].gatewayUrl, pool[i % pool.length]) })
  }))
console.log(`${scrapes} scrapes answered; ${exports} OTLP exports received`)

clearInterval(scraper)
sink.close()
await stack.close()
process.exit(0)
