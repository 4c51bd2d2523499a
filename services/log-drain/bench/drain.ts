// Benchmark of the log-drain (issue 4), against 127.0.0.1 only, bounded in time:
// 1. acknowledged lines/s and p50/p99 per POST with ~100 KB bodies (~450 router and app
//    lines) and with 10-line bodies, 16 concurrent connections, no pipelining, for the
//    log-drain and, in the same run, for a bare node:http server that only reads the body
//    and walks the frames (walkFrames): the ratio says what the real pipeline costs;
// 2. stored-and-searchable lines/s sustained for 60 s (committed lines, counted from
//    usage counters, sampled every 5 s) under a paced offered load of 120k lines/s;
// 3. live-tail latency, from the drain's 204 to the line's event on an open SSE tail, at
//    idle (beside a core NATS publish straight to the tail's subject, the transport's
//    floor) and while the sustained load of 2. runs for another tenant;
// 4. search p95 over one tenant's last hour in a log store of 10 million lines
//    (generated with INSERT … SELECT generate_series), one search at a time, then a text
//    search from 4 and from 8 clients at once.
// PostgreSQL: ADDONKIT_TEST_PG_ADMIN_URL and ADDONKIT_TEST_TEMPLATE_DB as for the tests, or
// else (`npm run bench`) an embedded PostgreSQL of its own, durable (fsync and
// synchronous_commit on, as `npm start` runs it), removed afterwards. nats-server as for the
// tests (installed by the test helper's startNatsServer when missing and possible).
//   node --import tsx --conditions=addonkit-source bench/drain.ts
import http from 'node:http'
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { encodeFrames, walkFrames, type EncodeFrameInput } from '@addonkit/logplex'
import { logIngestHeaders, subjects, type LogTailMessage } from '@addonkit/contracts'
import { openSseTail, postDrain, procStat, startDrainStack, type DrainStack, type SseTail, type TestTenant } from '../test/helper.js'
import { connect, headers as natsHeaders, nanos } from '@nats-io/transport-node'
import { jetstream, jetstreamManager, DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream'
import { DUPLICATE_WINDOW_MS, encodeIngestBody } from '../src/ingest/ingest-publisher.js'
import { benchAddonDefinition, ownPostgres } from './bench-setup.js'
import { benchRun, teardownList, writeBenchResults } from '@addonkit/testkit'
import { analyzeLines, countLinesSince, fillSyntheticLines, linesCounted } from '@addonkit/log-store'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15)
const SUSTAINED_SECONDS = Number(process.env.BENCH_SUSTAINED_SECONDS ?? 60)
const SUSTAINED_RATE = Number(process.env.BENCH_SUSTAINED_RATE ?? 120_000)
const SEARCH_LINES = Number(process.env.BENCH_SEARCH_LINES ?? 10_000_000)
const TAIL_SAMPLES = Number(process.env.BENCH_TAIL_SAMPLES ?? 200)
const CONNECTIONS = 16

const t = teardownList()
/** What the run measured, written to bench/results/drain.json at the end. */
const run = benchRun()
const figures: { settings: Record<string, unknown>, rows: Record<string, unknown>, ratios: Record<string, number>, tail: Record<string, unknown>, sustained?: Record<string, unknown>, search: Record<string, unknown> } = {
  settings: { connections: 16, secondsPerScenario: SECONDS, sustainedSeconds: SUSTAINED_SECONDS, sustainedRate: SUSTAINED_RATE, searchLines: SEARCH_LINES },
  rows: {}, ratios: {}, tail: {}, search: {}
}
const round1 = (n: number) => Math.round(n * 10) / 10

// ---------- bodies ----------
const PATHS = ['/', '/api/orders', '/api/users/42', '/search?q=shoes', '/assets/app.js', '/login', '/cart', '/api/items?page=3']
function lineAt (i: number, ts: string): EncodeFrameInput {
  if (i % 2 === 0) {
    const status = i % 40 === 0 ? 503 : i % 17 === 0 ? 404 : 200
    return { pri: 158, timestamp: ts, appName: 'heroku', procId: 'router', message: `at=${status === 503 ? 'error code=H12 desc="Request timeout"' : 'info'} method=GET path="${PATHS[i % PATHS.length]}" host=shop-prod.herokuapp.com request_id=${randomUUID()} fwd="203.0.113.${i % 250}" dyno=web.${i % 4 + 1} connect=${i % 3}ms service=${(i * 7) % 900}ms status=${status} bytes=${1000 + i} protocol=https` }
  }
  const app = [
    `Started GET "${PATHS[i % PATHS.length]}" for 203.0.113.${i % 250} at 2026-11-27 02:00:00 +0000`,
    `Processing by OrdersController#index as JSON`,
    `  Order Load (1.${i % 10}ms)  SELECT "orders".* FROM "orders" WHERE "orders"."user_id" = $1 LIMIT $2  [["user_id", ${i}], ["LIMIT", 25]]`,
    `Completed 200 OK in ${i % 200}ms (Views: 3.1ms | ActiveRecord: 1.${i % 10}ms | Allocations: 4211)`,
    `{"level":"info","msg":"payment captured","order":${i},"amount_cents":${i * 13},"currency":"EUR","user":"ü${i}"}`,
    `source=web.1 dyno=heroku.123.abc sample#memory_total=${200 + i % 50}.12MB sample#memory_rss=190.00MB sample#memory_quota=512.00MB`
  ]
  return { pri: 190, timestamp: ts, appName: 'app', procId: `web.${i % 4 + 1}`, message: app[i % app.length]! }
}

function bodyOf (from: number, maxBytes: number, maxLines: number): { body: Buffer, lines: number } {
  const ts = new Date().toISOString().replace('Z', '+00:00')
  const frames: EncodeFrameInput[] = []
  let size = 0
  for (let i = from; frames.length < maxLines; i++) {
    const f = lineAt(i, ts)
    const len = encodeFrames([f]).length
    if (size + len > maxBytes) break
    frames.push(f)
    size += len
  }
  return { body: encodeFrames(frames), lines: frames.length }
}

// ---------- load ----------
interface LoadResult { elapsedMs: number, lines: number, statuses: Record<string, number>, latencies: number[], startedAt: number[], clientLagP99: number, natsCpu: number }

/** nats-server's process, whose CPU time each row reports (main() sets it). */
let natsPid: number | undefined
/** CPU seconds a process has used: utime + stime (fields 14 and 15), in clock ticks of 1/100 s; NaN without /proc. */
function cpuSeconds (pid: number | undefined): number {
  try {
    const f = procStat(pid!)
    return (Number(f[11]) + Number(f[12])) / 100
  } catch { return NaN }
}

async function runLoad (url: string, path: string, headers: Record<string, string>, bodies: Array<{ body: Buffer, lines: number }>, seconds: number, requestsPerSecond?: number): Promise<LoadResult> {
  const cpu0 = cpuSeconds(natsPid)
  const r = await new Promise<Omit<LoadResult, 'natsCpu'>>((resolve, reject) => {
    const w = new Worker(new URL('./load-worker.mjs', import.meta.url), {
      workerData: { url, path, headers, bodies: bodies.map((b) => new Uint8Array(b.body)), linesPerBody: bodies.map((b) => b.lines), durationMs: seconds * 1000, connections: CONNECTIONS, requestsPerSecond }
    })
    w.once('message', resolve)
    w.once('error', reject)
  })
  return { ...r, natsCpu: (cpuSeconds(natsPid) - cpu0) / (r.elapsedMs / 1000) }
}

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN
}

interface Row { name: string, lps: number, rps: number, p50: number, p99: number, statuses: Record<string, number>, clientLagP99: number, natsCpu: number }
function row (name: string, r: LoadResult): Row {
  return { name, lps: r.lines / (r.elapsedMs / 1000), rps: r.latencies.length / (r.elapsedMs / 1000), p50: pct(r.latencies, 50), p99: pct(r.latencies, 99), statuses: r.statuses, clientLagP99: r.clientLagP99, natsCpu: r.natsCpu }
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
function print (r: Row) {
  figures.rows[r.name] = { linesPerSecond: Math.round(r.lps), postsPerSecond: Math.round(r.rps), p50Ms: round1(r.p50), p99Ms: round1(r.p99), statuses: r.statuses, natsCpuShare: Math.round(r.natsCpu * 1000) / 1000 }
  console.log(`  ${r.name.padEnd(34)} ${fmt(r.lps).padStart(10)} lines/s  ${fmt(r.rps).padStart(7)} POST/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  ${JSON.stringify(r.statuses)}  client's own event-loop delay p99 ${r.clientLagP99.toFixed(1)} ms, nats-server ${(r.natsCpu * 100).toFixed(0)} % of a core`)
}

// ---------- live tail ----------
/**
 * Sends a probe line every intervalMs, `count` of them, without waiting for each (a slow
 * tail must not slow the sampling), then waits up to waitMs for the stragglers. Latency is
 * from the drain's 204 (or the NATS publish) to the event's arrival; a probe that never
 * arrives counts as lost.
 */
async function probeTail (stack: DrainStack, tenant: TestTenant, tail: SseTail, via: 'drain' | 'nats', count: number, intervalMs: number, waitMs = 60_000): Promise<{ latencies: number[], lost: number }> {
  const sent = new Map<string, number>()
  const pending: Array<Promise<void>> = []
  for (let k = 0; k < count; k++) {
    const id = randomUUID()
    const message = `tail-probe ${id}`
    if (via === 'nats') {
      const msg: LogTailMessage = { tenantId: tenant.id, lines: [{ ts: new Date().toISOString(), source: 'app', proc: 'web.1', message, status: null, path: null }] }
      sent.set(id, performance.now())
      stack.app.nats.publish(subjects.logTail(tenant.id), JSON.stringify(msg))
    } else {
      const body = encodeFrames([{ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message }])
      pending.push(postDrain(stack, tenant, body).then((r) => { if (r.status === 204) sent.set(id, performance.now()) }))
    }
    await sleep(intervalMs)
  }
  await Promise.all(pending)
  // Arrivals by probe id; each event is looked at once (the tail keeps every event).
  const arrived = new Map<string, number>()
  let read = 0
  const missing = () => {
    for (; read < tail.events.length; read++) { const e = tail.events[read]!; const m = /^tail-probe (.+)$/.exec(e.data.message); if (m && !arrived.has(m[1]!)) arrived.set(m[1]!, e.at) }
    return [...sent.keys()].some((id) => !arrived.has(id))
  }
  const deadline = Date.now() + waitMs
  while (missing() && Date.now() < deadline) await sleep(20)
  const latencies: number[] = []
  let lost = 0
  for (const [id, at] of sent) { const got = arrived.get(id); if (got === undefined) lost++; else latencies.push(Math.max(0, got - at)) }
  return { latencies, lost: lost + (count - sent.size) }
}

function printTail (name: string, r: { latencies: number[], lost: number }) {
  figures.tail[name] = { p50Ms: round1(pct(r.latencies, 50)), p99Ms: round1(pct(r.latencies, 99)), probes: r.latencies.length, lost: r.lost }
  console.log(`  ${name.padEnd(44)} p50 ${pct(r.latencies, 50).toFixed(1).padStart(7)} ms  p99 ${pct(r.latencies, 99).toFixed(1).padStart(7)} ms  max ${Math.max(...r.latencies).toFixed(1).padStart(7)} ms  (${r.latencies.length} probes${r.lost ? `, ${r.lost} lost` : ''})`)
}

// ---------- bare server ----------
interface Baseline { url: string, close (): Promise<void> }

/** A bare node:http server that reads each body and answers with what `handle` returns. */
async function startPlain (handle: (body: Buffer, req: http.IncomingMessage) => number | Promise<number>): Promise<Baseline> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      Promise.resolve().then(() => handle(Buffer.concat(chunks), req)).catch(() => 500)
        .then((code) => { res.statusCode = code; res.end() })
    })
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }) }
}

/** The baseline: reads the body and walks the frames. */
function startBare (): Promise<Baseline> {
  return startPlain((body) => { try { walkFrames(body); return 204 } catch { return 400 } })
}

// ---------- the durability floor ----------
/**
 * The bare server plus what issue 4 requires before a 2xx: the body made durable through a
 * JetStream PubAck. Same body encoding as the log-drain (encodeIngestBody), a msgID per
 * request, its own NATS connection to the same nats-server, and a stream of its own with the
 * ingest stream's settings (work queue, file storage, discard new, duplicate window) that
 * nobody consumes, deleted afterwards. No Fastify, tenant lookup, credential check, live tail
 * or writer: it says how much of the gap between the bare server and the log-drain is the
 * hand-off to JetStream itself, and how much is the rest of the log-drain.
 */
async function startFloor (natsUrl: string): Promise<Baseline> {
  const nc = await connect({ servers: natsUrl })
  const jsm = await jetstreamManager(nc)
  const name = `BENCH_FLOOR_${process.pid}`
  const subject = `bench.floor.${process.pid}`
  await jsm.streams.add({ name, subjects: [subject], retention: RetentionPolicy.Workqueue, storage: StorageType.File, discard: DiscardPolicy.New, max_bytes: 2 ** 31, duplicate_window: nanos(DUPLICATE_WINDOW_MS) })
  const js = jetstream(nc, { timeout: 2000 })
  const plain = await startPlain(async (body, req) => {
    try { walkFrames(body) } catch { return 400 }
    const encoded = encodeIngestBody(body)
    const h = natsHeaders()
    if (encoded.encoding) h.set(logIngestHeaders.encoding, encoded.encoding)
    try { await js.publish(subject, encoded.data, { msgID: String(req.headers['logplex-frame-id']), headers: h }) } catch { return 503 }
    return 204
  })
  let closing: Promise<void> | undefined
  const close = () => (closing ??= (async () => {
    await plain.close()
    await jsm.streams.delete(name)
    await nc.close()
  })())
  t.teardown(close) // also when a run fails before it is closed
  return { url: plain.url, close }
}

// ---------- stored ----------
async function storedLines (stack: DrainStack, tenant: TestTenant): Promise<number> {
  return linesCounted(stack.db.pool, tenant.id)
}

async function waitStored (stack: DrainStack, tenant: TestTenant, target: number, maxMs: number): Promise<number> {
  if (stack.app.logWriter === undefined) return NaN // BENCH_DRAIN_WRITER=off: nothing is stored here
  const t0 = Date.now()
  while (Date.now() - t0 < maxMs) {
    if (await storedLines(stack, tenant) >= target) return Date.now() - t0
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return NaN
}

async function main () {
  const defFile = benchAddonDefinition()
  const stack = await startDrainStack(t, { env: { ADDON_DEFINITION: defFile, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error', DRAIN_MAX_INFLIGHT: '1024', DRAIN_WRITER: process.env.BENCH_DRAIN_WRITER ?? 'thread', ...(process.env.BENCH_WRITER_NICE ? { DRAIN_WRITER_NICE: process.env.BENCH_WRITER_NICE } : {}), ...(process.env.BENCH_WRITER_TRANSACTIONS ? { DRAIN_WRITER_TRANSACTIONS: process.env.BENCH_WRITER_TRANSACTIONS } : {}), ...(process.env.BENCH_GROUP_PUBLISH ? { DRAIN_GROUP_PUBLISH: process.env.BENCH_GROUP_PUBLISH } : {}) } })
  const tenant = await stack.tenant('bench')
  natsPid = stack.nats.process.pid
  // Measure the pipeline, not the writer thread's start (loading its TypeScript from source
  // takes seconds here): wait until it runs.
  const writerStart = Date.now()
  while (stack.app.logWriter && !stack.app.logWriter.ready()) await new Promise((resolve) => setTimeout(resolve, 50))
  const writerReadyMs = Date.now() - writerStart
  const drainUrl = new URL(tenant.drainUrl)
  const drainHeaders = {
    'content-type': 'application/logplex-1',
    'logplex-drain-token': tenant.drainToken,
    authorization: `Basic ${Buffer.from(`${decodeURIComponent(drainUrl.username)}:${decodeURIComponent(drainUrl.password)}`).toString('base64')}`,
    'user-agent': 'Logplex/bench'
  }
  const big = Array.from({ length: 16 }, (_, k) => bodyOf(k * 1000, 102_400, 1024))
  const small = Array.from({ length: 64 }, (_, k) => bodyOf(k * 10, 102_400, 10))
  const bigAvgBytes = big.reduce((a, b) => a + b.body.length, 0) / big.length
  const bigAvgLines = big.reduce((a, b) => a + b.lines, 0) / big.length
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}; ${CONNECTIONS} connections, ${SECONDS} s per scenario; writer ready ${(writerReadyMs / 1000).toFixed(1)} s after the service`)
  console.log(`bodies: ~${Math.round(bigAvgBytes)} bytes / ${bigAvgLines.toFixed(0)} lines (half router, half app); and 10-line bodies (~${Math.round(small[0]!.body.length)} bytes)\n`)

  // The same headers go to both servers (the bare one ignores them). Logplex-Msg-Count is
  // left out on purpose: the body differs per request only by its Frame-Id.
  let tail: TailSetup | undefined
  if (TAIL_SAMPLES > 0) {
    const tailTenant = await stack.tenant('bench')
    tail = { tenant: tailTenant, probe: await openSseTail(stack, tailTenant) }
    console.log(`live tail, idle: ${TAIL_SAMPLES} probe lines 10 ms apart, one tenant tailed`)
    printTail('core NATS publish → SSE event (floor)', await probeTail(stack, tailTenant, tail.probe, 'nats', TAIL_SAMPLES, 10))
    printTail('drain POST 204 → SSE event', await probeTail(stack, tailTenant, tail.probe, 'drain', TAIL_SAMPLES, 10))
    console.log('')
  }
  if (SECONDS > 0 || SUSTAINED_SECONDS > 0) await ingestion(stack, tenant, drainUrl.pathname, drainHeaders, big, small, tail)
  tail?.probe.close()
  if (SEARCH_LINES > 0) await search(stack)
}

interface TailSetup { tenant: TestTenant, probe: SseTail }

async function ingestion (stack: DrainStack, tenant: TestTenant, drainPath: string, drainHeaders: Record<string, string>, big: Array<{ body: Buffer, lines: number }>, small: Array<{ body: Buffer, lines: number }>, tail?: TailSetup) {
  const drainUrl = { pathname: drainPath }
  let before = 0
  let t0 = 0
  let storedDuring = 0
  if (SECONDS > 0) {
  const bare = await startBare()
  console.log('acknowledged:')
  // BENCH_BARE=0 skips the baseline (profiling the log-drain alone); the ratios then read 0.
  const skipBare = process.env.BENCH_BARE === '0'
  const none: Row = { name: 'skipped', lps: NaN, rps: NaN, p50: NaN, p99: NaN, statuses: {}, clientLagP99: NaN, natsCpu: NaN }
  const bareBig = skipBare ? none : row('bare node:http + walkFrames, 100 KB', await runLoad(bare.url, '/drain', drainHeaders, big, SECONDS)); print(bareBig)
  const bareSmall = skipBare ? none : row('bare node:http + walkFrames, 10 lines', await runLoad(bare.url, '/drain', drainHeaders, small, SECONDS)); print(bareSmall)
  await bare.close()
  // BENCH_FLOOR=0 skips the durability floor.
  const skipFloor = skipBare || process.env.BENCH_FLOOR === '0'
  let floorBig = none
  let floorSmall = none
  if (!skipFloor) {
    const floor = await startFloor(stack.nats.url)
    floorBig = row('bare + JetStream PubAck, 100 KB', await runLoad(floor.url, '/drain', drainHeaders, big, SECONDS)); print(floorBig)
    floorSmall = row('bare + JetStream PubAck, 10 lines', await runLoad(floor.url, '/drain', drainHeaders, small, SECONDS)); print(floorSmall)
    await floor.close()
  }

  before = await storedLines(stack, tenant)
  let yielded = (stack.app.logWriter?.stats.yieldedMs ?? 0)
  t0 = Date.now()
  let published = { ...stack.app.ingest.stats }
  /** How the batches of the last row went to JetStream: messages, and batches bundled. */
  const printPublished = () => {
    const now = stack.app.ingest.stats
    const messages = now.messages - published.messages
    const bundles = now.bundles - published.bundles
    const bundled = now.bundledBatches - published.bundledBatches
    console.log(`    JetStream messages: ${fmt(messages)} for ${fmt(messages - bundles + bundled)} batches (${fmt(bundled)} of them in ${fmt(bundles)} bundles)`)
    published = { ...now }
  }
  const drainBigRes = await runLoad(stack.url, drainUrl.pathname, drainHeaders, big, SECONDS)
  const drainBig = row('log-drain, 100 KB', drainBigRes); print(drainBig)
  printPublished()
  storedDuring = await storedLines(stack, tenant) - before
  yielded = (stack.app.logWriter?.stats.yieldedMs ?? 0) - yielded
  const backlogBig = await waitStored(stack, tenant, before + drainBigRes.lines, 300_000)
  console.log(`    stored while ingesting: ${fmt(storedDuring / ((Date.now() - t0 - backlogBig) / 1000))} lines/s; backlog written ${(backlogBig / 1000).toFixed(1)} s after the load stopped; the writer let ingestion go first for ${(yielded / 1000).toFixed(1)} s`)

  before = await storedLines(stack, tenant)
  const drainSmallRes = await runLoad(stack.url, drainUrl.pathname, drainHeaders, small, SECONDS)
  const drainSmall = row('log-drain, 10 lines', drainSmallRes); print(drainSmall)
  printPublished()
  const backlogSmall = await waitStored(stack, tenant, before + drainSmallRes.lines, 300_000)
  console.log(`    backlog written ${(backlogSmall / 1000).toFixed(1)} s after the load stopped`)

  figures.ratios.drainToBare100KB = drainBig.lps / bareBig.lps
  figures.ratios.drainToBare10Lines = drainSmall.lps / bareSmall.lps
  if (!skipFloor) {
    figures.ratios.floorToBare100KB = floorBig.lps / bareBig.lps
    figures.ratios.drainToFloor100KB = drainBig.lps / floorBig.lps
    figures.ratios.drainToFloor10Lines = drainSmall.lps / floorSmall.lps
  }
  figures.rows['log-drain, 100 KB'] = { ...(figures.rows['log-drain, 100 KB'] as object), storedWhileIngestingPerSecond: Math.round(storedDuring / ((Date.now() - t0 - backlogBig) / 1000)) }
  console.log(`\nratios log-drain / bare: 100 KB ${(drainBig.lps / bareBig.lps).toFixed(2)}×, 10 lines ${(drainSmall.lps / bareSmall.lps).toFixed(2)}×`)
  if (!skipFloor) {
    console.log(`ratios floor / bare: 100 KB ${(floorBig.lps / bareBig.lps).toFixed(2)}×, 10 lines ${(floorSmall.lps / bareSmall.lps).toFixed(2)}×`)
    console.log(`ratios log-drain / floor: 100 KB ${(drainBig.lps / floorBig.lps).toFixed(2)}×, 10 lines ${(drainSmall.lps / floorSmall.lps).toFixed(2)}×`)
  }
  }

  if (SUSTAINED_SECONDS === 0) return
  // Stored and searchable, sustained: an offered load of SUSTAINED_RATE lines/s (100 KB
  // bodies, paced like Logplex sends rather than as fast as the server answers) for
  // SUSTAINED_SECONDS; stored lines are sampled every 5 s. The pipeline keeps up when the
  // lines stored during the window match the lines acknowledged and the lag at the end is
  // a few seconds.
  const rps = SUSTAINED_RATE / (big.reduce((a, b) => a + b.lines, 0) / big.length)
  console.log(`\nsustained: ${fmt(SUSTAINED_RATE)} lines/s offered (${rps.toFixed(0)} POST/s of 100 KB) for ${SUSTAINED_SECONDS} s:`)
  before = await storedLines(stack, tenant)
  const yieldedBefore = stack.app.logWriter?.stats.yieldedMs ?? 0
  t0 = Date.now()
  const samples: string[] = []
  let last = before
  const sampler = setInterval(() => {
    void storedLines(stack, tenant).then((n) => { samples.push(fmt((n - last) / 5)); last = n })
  }, 5000)
  // A second tenant is tailed meanwhile: a probe line every 500 ms through its drain.
  const tailDuring = tail ? probeTail(stack, tail.tenant, tail.probe, 'drain', SUSTAINED_SECONDS * 2, 500, 600_000) : undefined
  const sustained = await runLoad(stack.url, drainUrl.pathname, drainHeaders, big, SUSTAINED_SECONDS, rps)
  clearInterval(sampler)
  const secs = (Date.now() - t0) / 1000
  storedDuring = await storedLines(stack, tenant) - before
  print(row('log-drain, 100 KB, acknowledged', sustained))
  console.log(`  stored and searchable during the window: ${fmt(storedDuring / secs)} lines/s (${fmt(storedDuring)} of ${fmt(sustained.lines)} acknowledged lines in ${secs.toFixed(1)} s)`)
  const p99s = Array.from({ length: Math.ceil(SUSTAINED_SECONDS / 5) }, (_, k) => pct(sustained.latencies.filter((_l, i) => Math.floor(sustained.startedAt[i]! / 5000) === k), 99).toFixed(0))
  console.log(`  POST p99 per 5 s interval (ms): ${p99s.join(', ')}`)
  console.log(`  stored per 5 s interval (lines/s): ${samples.join(', ')}; the writer let ingestion go first for ${(((stack.app.logWriter?.stats.yieldedMs ?? 0) - yieldedBefore) / 1000).toFixed(1)} s of it`)
  const lag = await waitStored(stack, tenant, before + sustained.lines, 600_000)
  figures.sustained = { offeredLinesPerSecond: SUSTAINED_RATE, acknowledgedLinesPerSecond: Math.round(sustained.lines / secs), storedAndSearchableLinesPerSecond: Math.round(storedDuring / secs), postP50Ms: round1(pct(sustained.latencies, 50)), postP99Ms: round1(pct(sustained.latencies, 99)), storedPer5s: samples, lastLineStoredAfterMs: lag }
  console.log(`  the last acknowledged line stored ${(lag / 1000).toFixed(1)} s after the load stopped; writer stats ${JSON.stringify(stack.app.logWriter.stats)}`)
  if (tailDuring) printTail('live tail of another tenant meanwhile, 204 → SSE', await tailDuring)
}

async function search (stack: DrainStack) {
  console.log(`\nsearch: one tenant's last hour in a log store of ${fmt(SEARCH_LINES)} lines`)
  const searchTenant = await stack.tenant('pro')
  const others = Array.from({ length: 99 }, () => randomUUID())
  const genStart = Date.now()
  const CHUNK = 1_000_000
  let generated = 0
  for (let from = 0; from < SEARCH_LINES; from += CHUNK) {
    const n = Math.min(CHUNK, SEARCH_LINES - from)
    // 10 % of the lines belong to the searched tenant (≈ 42,000 in its last hour), the rest
    // to 99 others; timestamps spread evenly over the last 24 h; half are router lines.
    await fillSyntheticLines(stack.db.pool, { tenantId: searchTenant.id, others, from, to: from + n - 1, stepMs: 86_400_000 / SEARCH_LINES })
    generated += n
    process.stdout.write(`  generated ${fmt(generated)} lines (${((Date.now() - genStart) / 1000).toFixed(0)} s)\r`)
  }
  await analyzeLines(stack.db.pool)
  console.log(`  generated ${fmt(generated)} lines in ${((Date.now() - genStart) / 1000).toFixed(0)} s (INSERT … SELECT generate_series, then ANALYZE)`)
  const inHour = await countLinesSince(stack.db.pool, searchTenant.id, new Date(Date.now() - 3_600_000))
  console.log(`  the tenant has ${fmt(inHour)} lines in its last hour`)
  const since = () => new Date(Date.now() - 3_600_000).toISOString()
  const queries: Array<[string, () => string]> = [
    ['newest 100 of the hour', () => `/logs?since=${since()}`],
    ['text q=order=12345 (scan of the hour)', () => `/logs?since=${since()}&q=order%3D12345`],
    ['text q=nomatch (scan, no hit)', () => `/logs?since=${since()}&q=nomatchanywhere`],
    ['status=5xx', () => `/logs?since=${since()}&status=5xx`],
    ['path=/api/orders/42*', () => `/logs?since=${since()}&path=/api/orders/42*`],
    ['proc=web.2, limit 1000', () => `/logs?since=${since()}&proc=web.2&limit=1000`],
    ['page 5 by cursor', () => `/logs?since=${since()}`]
  ]
  const auth = searchTenant.apiAuth
  /** One search, timed from the request to its last byte, into `times`. */
  async function timedSearch (label: string, p: string, times: number[]): Promise<void> {
    const t1 = performance.now()
    const r = await fetch(`${stack.url}/v1${p}`, { headers: { authorization: auth } })
    await r.arrayBuffer()
    times.push(performance.now() - t1)
    if (r.status !== 200) throw new Error(`${label}: ${r.status}`)
  }
  const printSearch = (label: string, times: number[], note = '') => {
    figures.search[label] = { p50Ms: round1(pct(times, 50)), p95Ms: round1(pct(times, 95)), searches: times.length }
    console.log(`  ${label.padEnd(40)} p50 ${pct(times, 50).toFixed(1).padStart(6)} ms  p95 ${pct(times, 95).toFixed(1).padStart(6)} ms${note}`)
  }
  for (const [name, path] of queries) {
    const times: number[] = []
    for (let i = 0; i < 40; i++) {
      let p = path()
      if (name.startsWith('page 5')) {
        let cursor: string | null = null
        for (let k = 0; k < 4; k++) { const page: Response = await fetch(`${stack.url}/v1${p}${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: auth } }); cursor = ((await page.json()) as { next_cursor: string }).next_cursor }
        p = `${p}&cursor=${cursor}`
      }
      await timedSearch(name, p, times)
    }
    printSearch(name, times)
  }
  // Several dashboard users at once: the loop above sends one search at a time, so the
  // service's pool serves it from one warm connection; concurrent searches open more.
  const [textName, textPath] = queries[1]!
  for (const concurrency of [4, 8]) {
    const label = `${textName.replace(/ \(.*/, '')}, ${concurrency} at once`
    const times: number[] = []
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < 20; i++) await timedSearch(label, textPath(), times)
    }))
    printSearch(label, times, `  (${times.length} searches)`)
  }
}

try {
  await ownPostgres(t)
  await main()
  console.log(`\nfigures: ${writeBenchResults(new URL('.', import.meta.url).pathname, 'drain', run, figures)}`)
} finally {
  await t.run()
}
process.exit(0)
