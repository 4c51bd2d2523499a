// The CPU autoscaling costs, on one core: aggregating router lines into windows (what the
// log-drain writer adds to each line it already parses), and deciding for 10,000 apps
// with half an hour of windows each (what the allocator does every tick). Baselines in
// the same run: parsing the router line alone (the writer's existing cost per line), and
// merely reading each app's windows (merging their histograms) without deciding.
// Plain script: `pnpm bench` (cpu). Prints medians of several runs and writes
// bench/results/cpu.json with the machine's load average.
import { writeFileSync, mkdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseRouterLine } from '@addonkit/logplex'
import { WINDOW_MS, WindowAggregator, decide, emptyHistogram, emptyWindow, mergeInto, record, validatePolicy, type Policy, type RouterWindow } from '../src/index.js'

const APPS = Number(process.env.BENCH_APPS ?? 10_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const HISTORY_S = 30 * 60

let seed = 0x5eed
const rand = () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!

// --- Aggregation per line ---
const LINES = 200_000
const messages = Array.from({ length: 1000 }, () => {
  const slow = rand() < 0.05
  return `${slow ? 'at=error code=H12 desc="Request timeout"' : 'at=info'} method=GET path="/api/v1/orders/${Math.floor(rand() * 9999)}" host=myapp.herokuapp.com request_id=${Math.floor(rand() * 1e12).toString(16)} fwd="203.0.113.${Math.floor(rand() * 255)}" dyno=web.${1 + Math.floor(rand() * 6)} connect=${Math.floor(rand() * 3)}ms service=${slow ? 30000 : Math.floor(rand() * 800)}ms status=${slow ? 503 : 200} bytes=${Math.floor(rand() * 20000)} protocol=https`
})
function timeIt (fn: () => void): number { const s = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - s) / 1e6 }
const t0 = Date.parse('2026-12-07T12:00:00Z')
let sink = 0
const parseMs: number[] = []
const aggMs: number[] = []
for (let r = 0; r < RUNS; r++) {
  parseMs.push(timeIt(() => { for (let i = 0; i < LINES; i++) { const l = parseRouterLine(messages[i % 1000]!); if (l) sink += l.status } }))
  const agg = new WindowAggregator()
  aggMs.push(timeIt(() => {
    for (let i = 0; i < LINES; i++) {
      const l = parseRouterLine(messages[i % 1000]!)
      // Runs of 100 lines of one app, as a drain batch brings them.
      if (l) agg.addRouter(`app${Math.floor(i / 100) % 100}`, t0 + i * 5, l)
    }
    sink += agg.flushAll().length
  }))
}
const nsPerLineParse = median(parseMs) * 1e6 / LINES
const nsPerLineAgg = median(aggMs) * 1e6 / LINES

// --- Decisions for APPS apps ---
const r = validatePolicy({ enabled: true, min: 1, max: 20, downscale_delay_s: 600 })
if (!r.ok) throw new Error('policy')
const policy: Policy = r.policy
function appWindows (i: number): RouterWindow[] {
  const out: RouterWindow[] = []
  const end = Math.floor(t0 / WINDOW_MS) * WINDOW_MS
  const level = 50 + (i % 10) * 80
  for (let s = end - HISTORY_S * 1000; s < end; s += WINDOW_MS) {
    const w = emptyWindow(`app${i}`, 'web', s)
    const n = 20 + Math.floor(rand() * 60)
    w.requests = n
    w.statuses['2xx'] = n
    for (let k = 0; k < 8; k++) record(w.service, level * (0.5 + rand()), Math.ceil(n / 8))
    out.push(w)
  }
  return out
}
// 10,000 apps' histories would hold 10,000 × 180 × 4 histograms (~7 GB as JS arrays): the
// allocator reads one app's windows at a time. 200 distinct histories (~150 MB, beyond any
// cache) stand in for them, cycled.
const histories = Array.from({ length: 200 }, (_, i) => appWindows(i))
const apps = Array.from({ length: APPS }, (_, i) => histories[i % histories.length]!)
const readMs: number[] = []
const decideMs: number[] = []
const perApp: number[] = []
for (let run = 0; run < RUNS; run++) {
  readMs.push(timeIt(() => { for (const ws of apps) { const h = emptyHistogram(); for (const w of ws) mergeInto(h, w.service); sink += h[10]! } }))
  decideMs.push(timeIt(() => {
    for (let i = 0; i < APPS; i++) {
      const s = process.hrtime.bigint()
      const d = decide({ policy, processType: 'web', quantity: 1 + (i % 5), windows: apps[i]!, now: t0 + 5000, state: {}, observedSince: t0 - 3600_000 })
      if (run === RUNS - 1) perApp.push(Number(process.hrtime.bigint() - s) / 1000)
      sink += d.to
    }
  }))
}
const decide10s = median(decideMs)
const result = {
  at: new Date().toISOString(),
  loadavg: loadavg(),
  cpu: cpus()[0]?.model,
  node: process.version,
  aggregation: { lines: LINES, parse_ns_per_line: Math.round(nsPerLineParse), parse_and_aggregate_ns_per_line: Math.round(nsPerLineAgg), ratio_to_parse: +(nsPerLineAgg / nsPerLineParse).toFixed(2) },
  decisions: {
    apps: APPS,
    history_windows_per_app: HISTORY_S * 1000 / WINDOW_MS,
    read_only_ms: +median(readMs).toFixed(1),
    decide_all_ms: +decide10s.toFixed(1),
    ratio_to_read_only: +(decide10s / median(readMs)).toFixed(2),
    per_app_us_p50: +pct(perApp, 0.5).toFixed(1),
    per_app_us_p99: +pct(perApp, 0.99).toFixed(1),
    share_of_one_core_at_one_round_per_10s: +(decide10s / 10_000).toFixed(3),
    cpu_ms_per_app_per_minute: +(decide10s * 6 / APPS).toFixed(4)
  },
  sink: sink % 7
}
console.log(JSON.stringify(result, null, 2))
const dir = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(dir, { recursive: true })
writeFileSync(`${dir}cpu.json`, JSON.stringify(result, null, 2) + '\n')
