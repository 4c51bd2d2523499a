// Throughput of parseFrames against walkFrames (octet counting only, the floor any
// parser pays) on a realistic ~100 KB Logplex batch (protocol §11.1: Logplex targets ~100 KB
// per request). Plain script: `pnpm bench`. Prints the median of several runs.
import { availableParallelism, loadavg } from 'node:os'
import { checkFrames, encodeFrame, encodeFrames, parseFrames, parseRouterLine, isRouterFrame, walkFrames, type EncodeFrameInput } from '../src/index.js'

const RUNS = Number(process.env.ADDONKIT_BENCH_RUNS ?? 9)
const RUN_MS = Number(process.env.ADDONKIT_BENCH_RUN_MS ?? 400)
const TARGET_BYTES = 100 * 1024

// Deterministic PRNG (mulberry32) so every run benches the same body.
let seed = 0x5eed
function rand (): number {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('')
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`

const paths = ['/', '/api/v1/orders', '/api/v1/orders/8812/items?page=2', '/assets/application-5f1e2b.css', '/healthz', '/login', '/search?q=caf%C3%A9']
const appLines = [
  () => `Started GET "${pick(paths)}" for 203.0.113.${Math.floor(rand() * 255)} at 2024-05-01 12:00:00 +0000`,
  () => `Completed 200 OK in ${Math.floor(rand() * 300)}ms (Views: ${Math.floor(rand() * 90)}.1ms | ActiveRecord: ${Math.floor(rand() * 40)}.7ms | Allocations: ${Math.floor(rand() * 90000)})`,
  () => `  Order Load (0.${Math.floor(rand() * 9)}ms)  SELECT "orders".* FROM "orders" WHERE "orders"."account_id" = $1 ORDER BY "orders"."created_at" DESC LIMIT $2  [["account_id", ${Math.floor(rand() * 99999)}], ["LIMIT", 25]]`,
  () => `{"level":"info","time":${Date.now()},"pid":${Math.floor(rand() * 300)},"hostname":"web.1","reqId":"req-${hex(6)}","req":{"method":"GET","url":"${pick(paths)}"},"msg":"incoming request"}`,
  () => `source=web.1 dyno=heroku.123456.${uuid()} sample#memory_total=${Math.floor(rand() * 500)}.12MB sample#memory_rss=${Math.floor(rand() * 400)}.50MB sample#memory_cache=3.62MB sample#memory_swap=0.00MB sample#memory_pgpgin=12345pages sample#memory_pgpgout=4321pages sample#memory_quota=512.00MB`,
  () => `Benutzer „müller“ hat sich angemeldet — 用户已登录 ✅ 🚀 (${hex(6)})`
]

function routerLine (): string {
  const error = rand() < 0.05
  const head = error ? 'at=error code=H12 desc="Request timeout" ' : 'at=info '
  return `${head}method=${pick(['GET', 'GET', 'GET', 'POST', 'PUT'])} path="${pick(paths)}" host=myapp.herokuapp.com request_id=${uuid()} fwd="203.0.113.${Math.floor(rand() * 255)}" dyno=web.${1 + Math.floor(rand() * 4)} connect=${Math.floor(rand() * 3)}ms service=${error ? 30000 : Math.floor(rand() * 400)}ms status=${error ? 503 : pick([200, 200, 200, 201, 304, 404])} bytes=${Math.floor(rand() * 20000)} protocol=https`
}

/** ~100 KB of frames, half router lines; `ascii` leaves out the lines with UTF-8 text. */
function buildBody (ascii: boolean): Buffer {
  const frames: EncodeFrameInput[] = []
  let bytes = 0
  const lines = ascii ? appLines.slice(0, -1) : appLines
  while (bytes < TARGET_BYTES) {
    const usec = String(Math.floor(rand() * 1e6)).padStart(6, '0')
    const timestamp = `2024-05-01T12:00:${String(Math.floor(rand() * 60)).padStart(2, '0')}.${usec}+00:00`
    const f: EncodeFrameInput = rand() < 0.5
      ? { pri: 158, timestamp, appName: 'heroku', procId: 'router', message: routerLine() }
      : { pri: 190, timestamp, appName: 'app', procId: `${pick(['web', 'web', 'worker'])}.${1 + Math.floor(rand() * 4)}`, message: pick(lines)() }
    frames.push(f)
    bytes += encodeFrame(f).length
  }
  return encodeFrames(frames)
}

let sink = 0
type Work = (body: Buffer) => number
const workloads: Array<[string, Work]> = [
  ['walkFrames (octet counting only)', (b) => walkFrames(b)],
  ['checkFrames (the drain route)', (b) => checkFrames(b)],
  ['parseFrames', (b) => parseFrames(b).length],
  ['parseFrames + parseRouterLine', (b) => {
    const frames = parseFrames(b)
    for (const f of frames) if (isRouterFrame(f) && parseRouterLine(f.message) !== null) sink++
    return frames.length
  }]
]

/**
 * One timed run of about RUN_MS: frames per wall-clock second and per CPU second of this
 * process (the second is steadier on a shared machine; it includes GC threads).
 */
function run (work: Work, body: Buffer): [wall: number, cpu: number] {
  let frames = 0
  const cpu0 = process.cpuUsage()
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(RUN_MS) * 1_000_000n
  let now = start
  while (now < deadline) {
    for (let i = 0; i < 20; i++) frames += work(body)
    now = process.hrtime.bigint()
  }
  const cpu = process.cpuUsage(cpu0)
  return [frames / (Number(now - start) / 1e9), frames / ((cpu.user + cpu.system) / 1e6)]
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

console.log(`node ${process.version}, ${RUNS} runs × ${RUN_MS} ms each, median; load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} CPUs`)
for (const [label, body] of [['mixed body (1 line in 12 has UTF-8 text)', buildBody(false)], ['all-ASCII body', buildBody(true)]] as const) {
  const frameCount = walkFrames(body)
  console.log(`\n${label}: ${body.length} bytes, ${frameCount} frames (${(body.length / frameCount).toFixed(0)} B/frame)`)
  for (const [, work] of workloads) run(work, body) // warm-up: let every path get optimised
  const results = new Map<string, Array<[number, number]>>(workloads.map(([name]) => [name, []]))
  for (let r = 0; r < RUNS; r++) {
    for (const [name, work] of workloads) results.get(name)!.push(run(work, body))
  }
  const walk = median(results.get(workloads[0]![0])!.map((x) => x[0]))
  for (const [name] of workloads) {
    const fps = median(results.get(name)!.map((x) => x[0]))
    const cpuFps = median(results.get(name)!.map((x) => x[1]))
    const mbps = fps / frameCount * body.length / 1e6
    console.log(`  ${name.padEnd(32)} ${(fps / 1e6).toFixed(2).padStart(6)} M frames/s ${mbps.toFixed(0).padStart(6)} MB/s ${(fps / frameCount).toFixed(0).padStart(7)} bodies/s ${(walk / fps).toFixed(1).padStart(5)}× walk time | ${(cpuFps / 1e6).toFixed(2).padStart(6)} M frames/CPU-s`)
  }
}
if (sink < 0) console.log(sink)
