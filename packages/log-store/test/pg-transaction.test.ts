// A pooled connection that dies while checked out must fail its caller, not the process:
// pg emits 'error' on such a client, and pg-pool listens only while the client is idle.
// The CI run saw the drain's test process end this way when PostgreSQL terminated the
// writer's connections between two statements of a transaction.
import t from 'tap'
import pg from 'pg'
import { withClient } from '@addonkit/db'
import { createTestDatabase, type Teardown } from '@addonkit/testkit'
import { inTransaction } from '../src/pg-transaction.js'

async function terminate (pid: number): Promise<void> {
  const c = new pg.Client({ connectionString: process.env.ADDONKIT_TEST_PG_ADMIN_URL })
  await c.connect()
  try { await c.query('SELECT pg_terminate_backend($1)', [pid]) } finally { await c.end() }
}

const uncaught: Error[] = []
const onUncaught = (err: Error) => { uncaught.push(err) }
process.on('uncaughtException', onUncaught)
t.teardown(() => { process.removeListener('uncaughtException', onUncaught) })

async function pool (t: Teardown): Promise<pg.Pool> {
  const p = new pg.Pool({ connectionString: await createTestDatabase(t), max: 2 })
  p.on('error', () => {})
  t.teardown(() => p.end())
  return p
}

t.test('a transaction whose connection is terminated between two statements rejects; the process goes on and the pool heals', async (t) => {
  const p = await pool(t)
  const err = await inTransaction(p, 'BEGIN', async (c) => {
    const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    await terminate(pid)
    await new Promise((resolve) => setTimeout(resolve, 300)) // the FATAL message arrives while no query runs
    await c.query('SELECT 1')
  }).then(() => null, (e: Error) => e)
  t.ok(err, 'the transaction failed')
  t.same(uncaught.map((e) => e.message), [], 'nothing reached the process as an uncaught exception')
  t.equal(p.totalCount, 0, 'the dead connection was not pooled again')
  const r = await inTransaction(p, 'BEGIN', (c) => c.query<{ n: number }>('SELECT 41 + 1 AS n'))
  t.equal(r.rows[0]!.n, 42, 'the next transaction gets a fresh connection')
})

t.test('a connection terminated during a statement rejects that statement only', async (t) => {
  const p = await pool(t)
  let pid = 0
  const err = await withClient(p, async (c) => {
    pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    // settled at once: the FATAL may arrive while terminate() is still closing its own
    // connection, before an await here could attach a handler (an unhandled rejection)
    const sleeping = c.query('SELECT pg_sleep(5)').then(() => null, (e: Error) => e)
    await new Promise((resolve) => setTimeout(resolve, 200))
    await terminate(pid)
    const failed = await sleeping
    if (failed) throw failed
  }).then(() => null, (e: Error) => e)
  t.match(err?.message, /terminat/, 'the statement failed with the reason')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.same(uncaught.map((e) => e.message), [], 'nothing reached the process as an uncaught exception')
  t.equal(p.totalCount, 0, 'the dead connection was not pooled again')
})

t.test('a client marked broken is closed, a healthy one is pooled again', async (t) => {
  const p = await pool(t)
  await withClient(p, async (c) => { await c.query('SELECT 1') })
  t.equal(p.idleCount, 1, 'healthy: back in the pool')
  await withClient(p, async (c, markBroken) => { await c.query('SELECT 1'); markBroken(new Error('unlock failed')) })
  t.equal(p.totalCount, 0, 'broken: closed')
})
