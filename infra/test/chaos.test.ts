// The short form of the chaos suite (`npm run chaos` runs the long one): 50 s of mixed load
// on 2 replicas of each service and a 3-node NATS cluster, behind fault proxies, with the
// harshest faults in turn — a replica of each service SIGKILLed, a NATS node SIGKILLed,
// PostgreSQL restarted, every connection cut, PostgreSQL's bytes dropped — then every
// invariant checked. The seed is printed; CHAOS_SEED repeats a failing run.
import t from 'tap'
import { runChaos } from '../src/chaos/chaos.js'

t.setTimeout(420_000)

t.test('chaos, short form: nothing acknowledged is lost, doubled or left unfinished', async (t) => {
  const faults = ['sigkill_replica_of_each_service', 'nats_node_killed_and_restarted', 'postgres_restarted', 'connections_cut_nats_then_postgres', 'bytes_dropped_postgres']
  const report = await runChaos({
    seconds: 50,
    faults,
    ...(process.env.CHAOS_SEED ? { seed: Number(process.env.CHAOS_SEED) } : {}),
    log: (msg) => t.comment(msg)
  })
  t.comment(JSON.stringify(report))
  for (const [name, i] of Object.entries(report.invariants)) t.ok(i.ok, `${name}: ${i.detail}`)
  t.equal(report.lost, 0, 'no acknowledged drain line lost')
  t.equal(report.doubled, 0, 'no drain line stored twice')
  t.ok(report.invariants_ok, 'invariants_ok')
  const injected = Object.values(report.faults).reduce((a, b) => a + b, 0)
  t.ok(injected >= 3, `faults were injected (${injected})`)
  t.ok(Object.keys(report.faults).every((f) => faults.includes(f)), 'only the chosen faults')
  t.ok(report.operations.provision! > 10 && report.operations.drain_posts! > 100 && report.operations.sso_login! > 5, 'the load ran: provisions, drain POSTs and sign-ins')
})
