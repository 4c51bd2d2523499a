// Preloaded into a service by bench/profile-provision.ts (NODE_OPTIONS=--import=…): counts
// the round trips a process makes — SQL statements (pg Client#query), NATS publishes and
// subscriptions, outgoing HTTP requests (undici) — and its CPU time. On SIGUSR2 it writes a
// snapshot to $COUNT_IO_DIR/<role>-<pid>.json, so the profiler can diff two snapshots.
import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import diagnostics from 'node:diagnostics_channel'
import { Session } from 'node:inspector'

const counts = { sql: 0, natsPublish: 0, natsSubscribe: 0, http: 0 }
/** Statements by their first words, to see which ones a provision makes. */
const statements = {}
const require = createRequire(new URL('../../../packages/db/package.json', import.meta.url))
try {
  const pg = require('pg')
  const query = pg.Client.prototype.query
  pg.Client.prototype.query = function (...args) {
    counts.sql++
    const text = typeof args[0] === 'string' ? args[0] : args[0]?.text ?? '?'
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 90)
    statements[key] = (statements[key] ?? 0) + 1
    return query.apply(this, args)
  }
} catch (err) { process.stderr.write(`count-io: pg not patched: ${err.message}\n`) }
try {
  const natsRequire = createRequire(require.resolve('@nats-io/transport-node', { paths: [new URL('../../../packages/service-kit/', import.meta.url).pathname] }))
  const { NatsConnectionImpl } = natsRequire('@nats-io/nats-core/internal')
  const publish = NatsConnectionImpl.prototype.publish
  NatsConnectionImpl.prototype.publish = function (...args) { counts.natsPublish++; return publish.apply(this, args) }
  const subscribe = NatsConnectionImpl.prototype.subscribe
  NatsConnectionImpl.prototype.subscribe = function (...args) { counts.natsSubscribe++; return subscribe.apply(this, args) }
} catch (err) { process.stderr.write(`count-io: nats not patched: ${err.message}\n`) }
diagnostics.subscribe('undici:request:create', () => { counts.http++ })
diagnostics.subscribe('http.client.request.start', () => { counts.http++ })

// With $COUNT_IO_CPU_PROFILE (a directory), the first snapshot starts a CPU profile and the
// second writes it there (--cpu-prof is not allowed in NODE_OPTIONS): the measured phase only.
const profileDir = process.env.COUNT_IO_CPU_PROFILE
let session = null
function profile (role) {
  if (!profileDir) return
  if (!session) {
    session = new Session()
    session.connect()
    session.post('Profiler.enable', () => session.post('Profiler.start'))
    return
  }
  session.post('Profiler.stop', (err, r) => { if (!err) writeFileSync(join(profileDir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(r.profile)) })
}

process.on('SIGUSR2', () => {
  const role = process.argv.some((a) => a.includes('/allocator/')) ? 'allocator' : process.argv.some((a) => a.includes('/gateway/')) ? 'gateway' : 'service'
  profile(role)
  const cpu = process.cpuUsage()
  writeFileSync(join(process.env.COUNT_IO_DIR ?? '/tmp', `${role}-${process.pid}.json`), JSON.stringify({ role, pid: process.pid, ...counts, statements, cpuMs: (cpu.user + cpu.system) / 1000, at: Date.now() }))
})
