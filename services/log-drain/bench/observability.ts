// What metrics and tracing cost drain ingestion: two log-drains in this process on the same
// PostgreSQL and NATS — METRICS=off (the baseline) and metrics on (scraped every second) —
// loaded in alternating rounds (compareInterleaved) with 100-line Logplex batches from 16
// concurrent senders. The writer is off in both (DRAIN_WRITER=off): what is measured is the
// acknowledgement path, where the per-request counters are; the writer's own series are
// read only at scrape time. Targets 127.0.0.1 only.
//   node --import tsx --conditions=addonkit-source bench/observability.ts
import os from 'node:os'
import { encodeFrames } from '@addonkit/logplex'
import { compareInterleaved, runLoad, teardownList } from '@addonkit/testkit'
import { benchAddonDefinition, ownPostgres } from './bench-setup.js'
import { postDrain, startDrainStack, type DrainStack, type TestTenant } from '../test/helper.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const t = teardownList()

async function main () {
  await ownPostgres(t)
  const defFile = benchAddonDefinition()
  const env = { ADDON_DEFINITION: defFile, LOG_LEVEL: 'error', DRAIN_WRITER: 'off', DRAIN_MAX_INFLIGHT: '1024' }
  const stacks: Record<string, { stack: DrainStack, tenant: TestTenant }> = {}
  for (const [name, extra] of [['metrics off', { METRICS: 'off' }], ['metrics on', {}]] as const) {
    const stack = await startDrainStack(t, { env: { ...env, ...extra } })
    stacks[name] = { stack, tenant: await stack.tenant('bench') }
  }
  const names = Object.keys(stacks)
  const ts = new Date().toISOString().replace('Z', '+00:00')
  const body = encodeFrames(Array.from({ length: 100 }, (_, i) => ({ pri: 158, timestamp: ts, appName: 'heroku', procId: 'router', message: `at=info method=GET path="/api/items/${i}" host=shop.herokuapp.com request_id=r${i} fwd="203.0.113.${i}" dyno=web.1 connect=1ms service=${i}ms status=200 bytes=${1000 + i} protocol=https` })))
  const post = (name: string) => postDrain(stacks[name]!.stack, stacks[name]!.tenant, body).then((r) => r.status === 204)

  let scrapes = 0
  const scraper = setInterval(() => {
    fetch(`${stacks['metrics on']!.stack.url}/metrics`).then(async (r) => { await r.arrayBuffer(); if (r.ok) scrapes++ }, () => {})
  }, 1000)
  for (const name of names) await runLoad({ concurrency: 16, total: 2000, maxMs: 20_000, fn: () => post(name) })

  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}; ${ROUNDS} rounds of 3000 POSTs (${body.length} bytes, 100 lines each), concurrency 16\n`)
  const rows = await compareInterleaved(names, ROUNDS, (name) => runLoad({ concurrency: 16, total: 3000, maxMs: 30_000, fn: () => post(name) }))
  console.log('| variant | POSTs | per second | lines/s | × metrics off (median of rounds) | p50 ms | p99 ms | errors |\n| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const r of rows) console.log(`| ${r.name} | ${r.rounds.reduce((a, x) => a + x.calls, 0)} | ${r.perSecond.toFixed(0)} | ${(r.perSecond * 100).toFixed(0)} | ${r.medianRatio.toFixed(3)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.rounds.reduce((a, x) => a + x.errors, 0)} |`)
  console.log(`\nper-round ratios to metrics off: ${rows.slice(1).map((r) => `${r.name}: ${r.rounds.map((x, i) => (x.perSecond / rows[0]!.rounds[i]!.perSecond).toFixed(3)).join(' ')}`).join('; ')}`)
  console.log(`aggregate ratio (all POSTs over all time): ${rows.slice(1).map((r) => `${r.name}: ${(r.perSecond / rows[0]!.perSecond).toFixed(3)}`).join('; ')}`)
  console.log(`${scrapes} scrapes answered`)
  clearInterval(scraper)
}

try {
  await main()
} finally {
  await t.run()
}
process.exit(0)
