// PostgreSQL unavailable for the writer: ingestion keeps acknowledging (the batches are in
// JetStream, the tenant entries are served stale), nothing is acked to JetStream, and
// every line arrives once the database is back.
import t from 'tap'
import { storedLineCounts, storedMessages } from '@addonkit/log-store'
import pg from 'pg'
import { headers as natsHeaders } from '@nats-io/transport-node'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { randomUUID } from 'node:crypto'
import { encodeFrames } from '@addonkit/logplex'
import { consumers, encodeIngestBundle, logIngestHeaders, streams, subjects } from '@addonkit/contracts'
import { startDrainStack, eventually, niceOf } from './helper.js'

async function admin (sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: process.env.ADDONKIT_TEST_PG_ADMIN_URL })
  await c.connect()
  try { await c.query(sql) } finally { await c.end() }
}

for (const mode of ['thread', 'inline']) t.test(`DRAIN_WRITER=${mode}: lines wait in JetStream while PostgreSQL refuses connections, then arrive once`, async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_WRITER: mode } })
  const tenant = await stack.tenant('standard')
  const dbName = new URL(stack.env.DATABASE_URL!).pathname.slice(1)
  const sender = tenant.sender({ maxLines: 100 })
  for (let i = 0; i < 500; i++) sender.push({ message: `before ${i}` })
  await sender.flush()
  await eventually(async () => (await stack.storedCount(tenant)) === 500, 60_000, 100)

  // The database goes away: no new connections, every existing one killed.
  await admin(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`)
  t.teardown(() => admin(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`).catch(() => {}))
  await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName}'`)
  for (let i = 0; i < 1500; i++) sender.push({ message: `during ${i}` })
  await sender.flush()
  t.equal(sender.counters.dropped, 0, 'ingestion kept acknowledging: the batches are durable in JetStream')
  t.equal(sender.counters.acknowledgedLines, 2000)
  await new Promise((resolve) => setTimeout(resolve, 3000))
  t.ok(stack.app.logWriter.stats.failures > 0, 'the writer failed and kept the batches')

  await admin(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`)
  await eventually(async () => (await stack.storedCount(tenant)) >= 2000, 30_000, 200)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const r = await storedLineCounts(stack.db.pool, tenant.id)
  t.equal(r.total, 2000, 'every line stored')
  t.equal(r.distinct, 2000, 'none doubled')
})

t.test('a writer thread that dies is started again and stores what waited in JetStream', async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_WRITER: 'thread', DRAIN_WRITER_NICE: '6' } })
  const tenant = await stack.tenant('standard')
  const sender = tenant.sender({ maxLines: 100 })
  for (let i = 0; i < 300; i++) sender.push({ message: `before ${i}` })
  await sender.flush()
  await eventually(async () => (await stack.storedCount(tenant)) === 300, 60_000, 100)
  // The thread reports its counters after each commit: wait for that report too, or the
  // terminate below can lose it (a thread's last unsent counters die with it).
  await eventually(async () => stack.app.logWriter.stats.lines === 300, 10_000, 50)

  // PostgreSQL runs on this machine here, so DRAIN_WRITER_NICE also applies to the backends
  // of the writer's connections, and to no other.
  const dbName = new URL(stack.env.DATABASE_URL!).pathname.slice(1)
  const own = (await stack.db.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
  const backends = (await stack.db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName])).rows.map((r) => r.pid)
  t.ok(backends.some((pid) => niceOf(pid) === 6), 'a backend of the writer runs at the writer thread\'s nice value')
  t.equal(niceOf(own), 0, 'the backend of another connection keeps the default')
  const first = stack.app.logWriter.thread!()
  t.ok(first, 'a writer thread runs')
  t.ok(stack.app.logWriter.ready(), 'and says it is ready')
  await first!.terminate()
  t.equal(stack.app.logWriter.thread!(), undefined, 'it is gone')
  t.notOk(stack.app.logWriter.ready(), 'not ready while it is gone')
  for (let i = 0; i < 300; i++) sender.push({ message: `after ${i}` })
  await sender.flush()
  t.equal(sender.counters.acknowledgedLines, 600, 'ingestion does not depend on the writer')
  await eventually(async () => (await stack.storedCount(tenant)) >= 600, 30_000, 200)
  t.not(stack.app.logWriter.thread!(), undefined, 'a new thread was started')
  t.ok(stack.app.logWriter.ready(), 'ready again')
  t.equal(await stack.storedCount(tenant), 600, 'every line stored once')
  // The thread reports its counters after each commit, in a message that may arrive just
  // after the lines are visible in the database.
  await eventually(async () => stack.app.logWriter.stats.lines === 600, 10_000, 50)
  t.equal(stack.app.logWriter.stats.lines, 600, 'the counters continue across the restart')
})

t.test('an unreadable batch in JetStream is discarded and logged; the writer goes on', async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_WRITER: 'inline' } })
  const tenant = await stack.tenant('standard')
  const js = jetstream(stack.app.nats)
  for (const [encoding, body] of [['br', 'not brotli at all'], ['zstd', 'unknown encoding'], ['', '12 not framed']] as const) {
    const h = natsHeaders()
    h.set(logIngestHeaders.tenant, tenant.id)
    h.set(logIngestHeaders.batchId, `bad-${encoding || 'raw'}`)
    h.set(logIngestHeaders.count, '1')
    h.set(logIngestHeaders.receivedAt, String(Date.now()))
    h.set(logIngestHeaders.origin, 'drain')
    if (encoding) h.set(logIngestHeaders.encoding, encoding)
    await js.publish(subjects.logIngest(tenant.id), Buffer.from(body), { headers: h })
  }
  // A bundle with a good batch, one in an unknown encoding and one of a tenant that does not
  // exist: the good one is stored, the others dropped. And a bundle that cannot be unpacked.
  const good = encodeFrames([{ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: 'bundled good 1' }, { timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: 'bundled good 2' }])
  const entry = { tenant: tenant.id, count: 1, receivedAt: Date.now(), origin: 'drain', encoding: null }
  // Also: one whose receipt time no Date holds, a bundle that holds fewer batches than its
  // header says (cut between two entries), and one that is not a bundle at all.
  const bundle = encodeIngestBundle([{ ...entry, batchId: 'bundle-good', count: 2, data: good }, { ...entry, batchId: 'bundle-zstd', encoding: 'zstd', data: good }, { ...entry, tenant: randomUUID(), batchId: 'bundle-gone', data: good }, { ...entry, batchId: 'bundle-far', receivedAt: 1e300, data: good }])
  const cut = encodeIngestBundle([{ ...entry, batchId: 'bundle-cut-1', data: good }, { ...entry, batchId: 'bundle-cut-2', data: good }])
  for (const [payload, batches] of [[bundle, '4'], [cut.subarray(0, cut.length / 2 + 1), '2'], [encodeIngestBundle([{ ...entry, batchId: 'bundle-cut-1', data: good }]), '2'], [Buffer.from('\u0000\u0000\u0000\u0009not json!'), '3']] as const) {
    const h = natsHeaders()
    h.set(logIngestHeaders.batches, batches)
    h.set(logIngestHeaders.count, '4')
    await js.publish(subjects.logIngestBundle, payload, { headers: h })
  }
  const sender = tenant.sender({ maxLines: 100 })
  for (let i = 0; i < 250; i++) sender.push({ message: `good ${i} ${'x'.repeat(40)}` })
  await sender.flush()
  await eventually(async () => (await stack.storedCount(tenant)) === 252, 30_000, 200)
  t.equal((await storedMessages(stack.db.pool, tenant.id)).filter((m) => m.startsWith('bundled good ')).length, 2, "the bundle's good batch is stored")
  t.equal(stack.logs.lines.filter((l) => l.includes('log writer: unreadable batch; discarded')).length, 4, 'each bad batch logged once, then dropped (three alone, one in the bundle)')
  t.equal(stack.logs.lines.filter((l) => l.includes('log writer: batch without its headers; discarded')).length, 1, 'the one received at no time a Date holds too')
  t.equal(stack.logs.lines.filter((l) => l.includes('log writer: unreadable bundle; discarded')).length, 3, 'and the bundles that cannot be unpacked whole')
  const jsm = await jetstreamManager(stack.app.nats)
  const settled = async () => { const info = await jsm.consumers.info(streams.logIngest, consumers.logWriter); return info.num_ack_pending + info.num_pending === 0 }
  await eventually(settled, 10_000, 100).catch(() => {})
  t.ok(await settled(), 'nothing left behind in JetStream')
})
