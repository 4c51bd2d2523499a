// Benchmark of SSO logins (protocol §10): signed form POSTs to /sso/login on the real dashboard
// (its own process, PostgreSQL sessions and single-use nonces), side by side in the same
// run with a bare Fastify route that parses the same form and answers the same 303.
// Bounded in count and time; targets 127.0.0.1 only. Run: pnpm --filter @addonkit/dashboard bench
//
// ROUNDS rounds (default 5), each bare c=1, SSO c=1, bare c=16, SSO c=16; each ratio is the
// SSO throughput over the bare route's in the same round, and the medians over rounds are
// reported. The bare route is served by this process, the client's (the acceptance baseline);
// for reference each round also drives the same route in a process of its own
// (bench/bare-server.ts), which pays the hop between processes that the dashboard pays.
// Also counted: PostgreSQL transactions per login at c=1 and c=16 (pg_stat_database
// xact_commit; each autocommit statement is one, so at c=1 this is the round trips to
// PostgreSQL per login, at c=16 fewer when sign-ins share a statement), CPU per login of the
// dashboard and of PostgreSQL at c=16 (/proc), and at c=1 the time inside the dashboard.
// BENCH_CPU_PROF=dir runs the dashboard with --cpu-prof into dir (bench/profile.ts reads it);
// BENCH_SERVER=path runs another copy of the dashboard (e.g. an older commit's src/server.ts,
// extracted under this package so that its imports resolve) to compare before and after.
// Figures go to bench/results/sso.json (BENCH_OUT=name for another file in results/).
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import { createDb } from '@addonkit/db'
import { startPostgresServer, startNatsServer, migrate, freePort, waitForPort } from '@addonkit/infra'
import { testEnv, runLoad, formatRow, benchRun, writeBenchResults, type LoadResult } from '@addonkit/testkit'
import { userScopedResourceToken } from '../src/sso/tokens.js'

const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 5))
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null
const SERVER = process.env.BENCH_SERVER ? resolve(process.env.BENCH_SERVER) : fileURLToPath(new URL('../src/server.ts', import.meta.url))
const run = benchRun()
const loadBefore = loadavg()

const dir = mkdtempSync(join(tmpdir(), 'addonkit-bench-sso-'))
const pg = await startPostgresServer({ dataDir: join(dir, 'pg'), persistent: false })
await pg.ensureDatabase('bench')
await migrate(pg.urlFor('bench'))
const nats = await startNatsServer({ storeDir: join(dir, 'nats') })
const port = await freePort()
const env = testEnv({ DATABASE_URL: pg.urlFor('bench'), NATS_URL: nats.url, LOG_LEVEL: 'warn', DASHBOARD_PORT: String(port) })
const profArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []
const dashboard = spawn(process.execPath, [...profArgs, '--import', 'tsx', '--conditions=addonkit-source', SERVER], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
await waitForPort(port, 60_000)

const db = createDb(pg.urlFor('bench'))
const instances: string[] = []
for (let i = 0; i < 50; i++) {
  const uuid = randomUUID()
  await db.prisma.instance.create({ data: { uuid, name: `bench-${i}`, plan: 'hobby', region: 'us', driver: 'logs', state: 'provisioned' } })
  instances.push(uuid)
}

const bare = Fastify({ logger: false })
await bare.register(formbody)
bare.post('/sso/login', async (req, reply) => reply.code(303).header('location', `/dashboard/${(req.body as { resource_id: string }).resource_id}`).send())
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })
const barePort = await freePort()
const bareProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./bare-server.ts', import.meta.url))], { env: { PATH: process.env.PATH ?? '', BARE_PORT: String(barePort) }, stdio: ['ignore', 'ignore', 'inherit'] })
await waitForPort(barePort, 30_000)
const bareOwnUrl = `http://127.0.0.1:${barePort}`

function form (i: number): string {
  const resourceId = instances[i % instances.length]!
  const timestamp = String(Math.floor(Date.now() / 1000))
  const userId = randomUUID()
  const email = `user${i}@example.com`
  return new URLSearchParams({ resource_id: resourceId, timestamp, user_id: userId, email, app: 'bench-app', user_scoped_resource_token: userScopedResourceToken(resourceId, env.ADDON_SSO_SALT!, timestamp, userId, email) }).toString()
}

async function login (base: string, i: number): Promise<boolean> {
  const r = await fetch(`${base}/sso/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(i), redirect: 'manual' })
  await r.arrayBuffer()
  return r.status === 303
}

/** Committed transactions in the bench database so far (the statistics collector's count). */
async function commits (): Promise<number> {
  await db.pool.query('SELECT pg_stat_clear_snapshot()')
  const r = await db.pool.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()')
  return Number(r.rows[0]!.n)
}

/**
 * CPU seconds used so far by the dashboard process and by PostgreSQL's processes (the
 * postmaster's children: the backends, the WAL writer…), from /proc (Linux; null elsewhere).
 */
const postmaster = Number(readFileSync(join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])
function cpuSeconds (): { dashboard: number, postgres: number } | null {
  try {
    const stat = (pid: number | string) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8'); return f.slice(f.lastIndexOf(')') + 2).split(' ') }
    const ticks = (f: string[]) => (Number(f[11]) + Number(f[12])) / 100 // utime + stime, USER_HZ
    let postgres = ticks(stat(postmaster))
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try { const f = stat(pid); if (Number(f[1]) === postmaster) postgres += ticks(f) } catch { /* gone */ }
    }
    return { dashboard: ticks(stat(dashboard.pid!)), postgres }
  } catch { return null }
}
let cpu = { dashboard: 0, postgres: 0, logins: 0 }

// Warm-up of both sides (and of the client, shared): the bare route in this process keeps
// getting faster for its first few thousand requests as V8 optimises it.
const dashUrl = `http://127.0.0.1:${port}`
for (const base of [dashUrl, bareUrl, bareOwnUrl]) await runLoad({ concurrency: 8, total: 3000, maxMs: 30_000, fn: (i) => login(base, i) })

// Round trips per login, measured alone (c=1, nothing else on this database meanwhile but the
// bench's own two statistics queries, which are subtracted). An idle backend reports its
// statistics up to 10 s late (PostgreSQL's PGSTAT_IDLE_INTERVAL), hence the pauses.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
await sleep(11_000)
const c0 = await commits()
const counted = await runLoad({ concurrency: 1, total: 200, maxMs: 20_000, fn: (i) => login(dashUrl, 3000 + i) })
await sleep(11_000)
const c1 = await commits()
const commitsPerLogin = (c1 - c0 - 2) / counted.calls
// The same at c=16, where concurrent sign-ins share a statement (group commit).
const counted16 = await runLoad({ concurrency: 16, total: 800, maxMs: 20_000, fn: (i) => login(dashUrl, 3200 + i) })
await sleep(11_000)
const c2 = await commits()
const commitsPerLogin16 = (c2 - c1 - 2) / counted16.calls

// The dashboard's own view of its c=1 sign-ins: mean time from arrival to response (its
// request histogram), against what the client saw; the rest is transport and the wait for a
// CPU on a shared machine.
async function histogram (): Promise<{ sum: number, count: number }> {
  const text = await (await fetch(`${dashUrl}/metrics`)).text()
  const pick = (name: string) => text.split('\n').filter((l) => l.startsWith(name) && l.includes('route="/sso/login"') && l.includes('status_code="303"')).reduce((a, l) => a + Number(l.split(' ').pop()), 0)
  return { sum: pick('http_request_duration_seconds_sum'), count: pick('http_request_duration_seconds_count') }
}
let inside = { sum: 0, count: 0 }

interface Round { bare1: LoadResult, sso1: LoadResult, bare16: LoadResult, sso16: LoadResult, own1: LoadResult, own16: LoadResult }
const rounds: Round[] = []
let offset = 5_000
for (let r = 0; r < ROUNDS; r++) {
  const out: Partial<Round> = {}
  for (const c of [1, 16] as const) {
    const total = c === 1 ? 300 : 1500
    out[`bare${c}`] = await runLoad({ concurrency: c, total, maxMs: 20_000, fn: (i) => login(bareUrl, offset + i) })
    out[`own${c}`] = await runLoad({ concurrency: c, total, maxMs: 20_000, fn: (i) => login(bareOwnUrl, offset + i) })
    const h0 = c === 1 ? await histogram() : null
    const cpu0 = c === 16 ? cpuSeconds() : null
    out[`sso${c}`] = await runLoad({ concurrency: c, total, maxMs: 20_000, fn: (i) => login(dashUrl, offset + i) })
    const cpu1 = cpu0 && cpuSeconds()
    if (cpu0 && cpu1) cpu = { dashboard: cpu.dashboard + cpu1.dashboard - cpu0.dashboard, postgres: cpu.postgres + cpu1.postgres - cpu0.postgres, logins: cpu.logins + out.sso16!.calls }
    if (h0) { const h1 = await histogram(); inside = { sum: inside.sum + h1.sum - h0.sum, count: inside.count + h1.count - h0.count } }
    offset += total
  }
  rounds.push(out as Round)
}
const loadAfter = loadavg()


const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2 }
const round1 = (x: number) => Math.round(x * 10) / 10
const round3 = (x: number) => Math.round(x * 1000) / 1000
function summary (pick: (r: Round) => LoadResult) {
  const rs = rounds.map(pick)
  return { calls: rs.reduce((a, r) => a + r.calls, 0), errors: rs.reduce((a, r) => a + r.errors, 0), per_second: Math.round(median(rs.map((r) => r.perSecond))), p50_ms: round1(median(rs.map((r) => r.p50))), p99_ms: round1(median(rs.map((r) => r.p99))) }
}
const ratio = (c: 1 | 16) => round3(median(rounds.map((r) => r[`sso${c}`].perSecond / r[`bare${c}`].perSecond)))
const ownRatio = (c: 1 | 16) => round3(median(rounds.map((r) => r[`sso${c}`].perSecond / r[`own${c}`].perSecond)))

console.log('| round | scenario | calls | errors | per second | p50 ms | p99 ms |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
rounds.forEach((r, i) => {
  for (const [label, res] of [['bare route, c=1', r.bare1], ['bare route (own process), c=1', r.own1], ['SSO login, c=1', r.sso1], ['bare route, c=16', r.bare16], ['bare route (own process), c=16', r.own16], ['SSO login, c=16', r.sso16]] as const) console.log(`| ${i + 1} ${formatRow(label, res)}`)
})
const result = {
  server: process.env.BENCH_SERVER ?? 'src/server.ts',
  rounds: ROUNDS,
  pg_transactions_per_login: round1(commitsPerLogin),
  pg_transactions_per_login_c16: Math.round(commitsPerLogin16 * 100) / 100,
  c16_cpu_ms_per_login: cpu.logins ? { dashboard: round3(cpu.dashboard * 1000 / cpu.logins), postgres: round3(cpu.postgres * 1000 / cpu.logins) } : null,
  c1_inside_dashboard_mean_ms: inside.count ? Math.round(inside.sum / inside.count * 1e5) / 100 : null,
  c1_client_mean_ms: Math.round(rounds.reduce((a, r) => a + r.sso1.elapsedMs, 0) / rounds.reduce((a, r) => a + r.sso1.calls, 0) * 100) / 100,
  c1: { ratio: ratio(1), sso: summary((r) => r.sso1), bare: summary((r) => r.bare1), ratios: rounds.map((r) => round3(r.sso1.perSecond / r.bare1.perSecond)), bare_own_process: summary((r) => r.own1), ratio_to_bare_own_process: ownRatio(1) },
  c16: { ratio: ratio(16), sso: summary((r) => r.sso16), bare: summary((r) => r.bare16), ratios: rounds.map((r) => round3(r.sso16.perSecond / r.bare16.perSecond)), bare_own_process: summary((r) => r.own16), ratio_to_bare_own_process: ownRatio(16) }
}
console.log('\nmedians over rounds:')
console.log('| scenario | per second | p50 ms | p99 ms |')
console.log('| --- | --- | --- | --- |')
for (const c of [1, 16] as const) {
  for (const [label, s] of [[`bare route, c=${c}`, result[`c${c}`].bare], [`bare route (own process), c=${c}`, result[`c${c}`].bare_own_process], [`SSO login, c=${c}`, result[`c${c}`].sso]] as const) console.log(`| ${label} | ${s.per_second} | ${s.p50_ms} | ${s.p99_ms} |`)
}
for (const c of [1, 16] as const) console.log(`c=${c}: SSO logins ${result[`c${c}`].ratio}x the bare route's throughput (rounds: ${result[`c${c}`].ratios.join(', ')}); ${result[`c${c}`].ratio_to_bare_own_process}x the bare route in its own process`)
if (result.c16_cpu_ms_per_login) console.log(`CPU per login at c=16: dashboard ${result.c16_cpu_ms_per_login.dashboard} ms, PostgreSQL ${result.c16_cpu_ms_per_login.postgres} ms`)
console.log(`PostgreSQL transactions per login: ${result.pg_transactions_per_login} at c=1, ${result.pg_transactions_per_login_c16} at c=16; at c=1 a sign-in takes ${result.c1_client_mean_ms} ms as the client sees it, ${result.c1_inside_dashboard_mean_ms} ms inside the dashboard (means); load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after`)
writeBenchResults(fileURLToPath(new URL('.', import.meta.url)), (process.env.BENCH_OUT ?? 'sso.json').replace(/\.json$/, ''), run, result)

for (const child of [dashboard, bareProcess]) {
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
}
await bare.close(); await db.close(); await nats.stop(); await pg.stop()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
