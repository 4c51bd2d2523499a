// One transaction on a pooled connection: opened by `begin` (BEGIN and whatever must come
// with it — SET LOCAL, a lock — in one round trip, since a simple query may hold several
// statements), committed after `fn`, rolled back on any error. A connection whose ROLLBACK
// failed too is discarded rather than returned to the pool in an unknown state.
import type pg from 'pg'

export async function inTransaction<T> (pool: pg.Pool, begin: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect()
  let failed: Error | undefined
  try {
    await c.query(begin)
    const out = await fn(c)
    await c.query('COMMIT')
    return out
  } catch (err) {
    // A ROLLBACK that succeeds shows the connection is in a known state (an expected failure
    // such as the store's QuotaRace, a statement timeout): it goes back to the pool.
    await c.query('ROLLBACK').catch((e: Error) => { failed = e })
    throw err
  } finally { c.release(failed) }
}
