// Where a new provision's time goes: round trips per provision (SQL statements, NATS
// publishes and subscriptions, outgoing HTTP) in the gateway and the allocator, and CPU
// per provision of every process of the stack (gateway, allocator, PostgreSQL backends,
// nats-server, and this process: the load generator plus the Heroku simulator), over
// new provisions at 16 concurrent. With PROFILE_CPU=1 the two services also write
// CPU profiles of the measured phase to bench/results/cpuprof/ (bench/cpuprofile-top.ts summarizes one). Run:
// node --import tsx --conditions=addonkit-source bench/profile-provision.ts
// With PERF_MAP=1 the services run with --perf-basic-prof, so `perf record -a` during the
// measured phase names their JavaScript functions (perf-<pid>.map in /tmp).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runLoad } from '@addonkit/testkit'
import { startBenchStack } from './stack.js'

const counter = fileURLToPath(new URL('./count-io.mjs', import.meta.url))
const countDir = mkdtempSync(join(tmpdir(), 'addonkit-count-'))
const profDir = fileURLToPath(new URL('./results/cpuprof/', import.meta.url))
const nodeOptions = [`--import=${counter}`, ...(process.env.PERF_MAP ? ['--perf-basic-prof'] : [])]
const profiling: Record<string, string> = {}
if (process.env.PROFILE_CPU === '1') { mkdirSync(profDir, { recursive: true }); profiling.COUNT_IO_CPU_PROFILE = profDir }

const stack = await startBenchStack()
const { gatewayUrl } = await stack.startPair({ NODE_OPTIONS: nodeOptions.join(' '), COUNT_IO_DIR: countDir, ...profiling })

const TICK_MS = 10 // /proc's clock ticks (USER_HZ 100)
function processTree (): Map<number, { comm: string, cpuMs: number }> {
  const all = new Map<number, { ppid: number, comm: string, cpuMs: number }>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const comm = stat.slice(stat.indexOf('(') + 1, close)
      const f = stat.slice(close + 2).split(' ')
      all.set(Number(name), { ppid: Number(f[1]), comm, cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS })
    } catch {}
  }
  const mine = new Map<number, { comm: string, cpuMs: number }>()
  const isMine = (pid: number): boolean => pid === process.pid || (all.has(pid) && all.get(pid)!.ppid !== 0 && isMine(all.get(pid)!.ppid))
  for (const [pid, p] of all) if (isMine(pid)) mine.set(pid, { comm: pid === process.pid ? 'bench (load + simulator)' : p.comm, cpuMs: p.cpuMs })
  return mine
}

async function snapshot () {
  for (const f of readdirSync(countDir)) readFileSync(join(countDir, f)) // keep the directory listable
  const tree = processTree()
  for (const [pid, p] of tree) if (p.comm === 'node' || p.comm.startsWith('node')) { try { process.kill(pid, 'SIGUSR2') } catch {} }
  await new Promise((resolve) => setTimeout(resolve, 300))
  const services: Record<string, { sql: number, natsPublish: number, natsSubscribe: number, http: number, cpuMs: number }> = {}
  for (const f of readdirSync(countDir)) {
    const s = JSON.parse(readFileSync(join(countDir, f), 'utf8'))
    services[s.role] = s
  }
  return { tree, services }
}

const N = Number(process.env.N ?? 600)
await runLoad({ concurrency: 8, total: 200, maxMs: 20_000, fn: () => stack.post(gatewayUrl, stack.newBody()) })
await new Promise((resolve) => setTimeout(resolve, 1500)) // the allocator finishes the warm-up's work
const before = await snapshot()
const t0 = Date.now()
const load = await runLoad({ concurrency: 16, total: N, maxMs: 60_000, fn: () => stack.post(gatewayUrl, stack.newBody()) })
const answeredMs = Date.now() - t0
await new Promise((resolve) => setTimeout(resolve, 1500)) // and this run's (webhooks, app log lines)
const after = await snapshot()
const n = load.calls

console.log(`${n} new provisions at c=16 (${load.errors} errors): ${load.perSecond.toFixed(0)}/s, p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, answered in ${answeredMs} ms\n`)
console.log('round trips per provision | SQL | NATS publish | NATS subscribe | HTTP out')
for (const role of ['gateway', 'allocator']) {
  const a = after.services[role]; const b = before.services[role]
  if (!a || !b) { console.log(`${role}: no counts`); continue }
  if (process.env.STATEMENTS === '1') {
    const st = (a as unknown as { statements: Record<string, number> }).statements; const sb = (b as unknown as { statements: Record<string, number> }).statements
    for (const [k, v] of Object.entries(st).sort((x, y) => y[1] - x[1])) { const d = (v - (sb[k] ?? 0)) / n; if (d >= 0.05) console.log(`  ${role} ${d.toFixed(2)} × ${k}`) }
  }
  console.log(`${role} | ${((a.sql - b.sql) / n).toFixed(2)} | ${((a.natsPublish - b.natsPublish) / n).toFixed(2)} | ${((a.natsSubscribe - b.natsSubscribe) / n).toFixed(2)} | ${((a.http - b.http) / n).toFixed(2)}`)
}
console.log('\nCPU ms per provision (answer and the work after it)')
const byComm = new Map<string, number>()
for (const [pid, p] of after.tree) {
  const was = before.tree.get(pid)?.cpuMs ?? 0
  let name = p.comm
  if (name.startsWith('node')) {
    const role = Object.values(after.services).find((s) => (s as unknown as { pid: number }).pid === pid) as unknown as { role: string } | undefined
    name = role ? role.role : name
  }
  byComm.set(name, (byComm.get(name) ?? 0) + p.cpuMs - was)
}
let total = 0
for (const [name, ms] of [...byComm].sort((x, y) => y[1] - x[1])) { if (ms > 0) console.log(`${name}: ${(ms / n).toFixed(2)}`); total += ms }
console.log(`total: ${(total / n).toFixed(2)}`)
await stack.close()
process.exit(0)
