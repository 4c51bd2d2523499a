// One transaction on a pooled connection: opened by `begin` (BEGIN and whatever must come
// with it — SET LOCAL, a lock — in one round trip, since a simple query may hold several
// statements), committed after `fn`, rolled back on any error. A connection whose ROLLBACK
// failed too, or that died meanwhile, is discarded rather than returned to the pool in an
// unknown state (withClient also keeps a dying connection from crashing the process).
import type pg from 'pg'
import { withClient } from '@addonkit/db'

export function inTransaction<T> (pool: pg.Pool, begin: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (c, markBroken) => {
    try {
      await c.query(begin)
      const out = await fn(c)
      await c.query('COMMIT')
      return out
    } catch (err) {
      // A ROLLBACK that succeeds shows the connection is in a known state (an expected failure
      // such as the store's QuotaRace, a statement timeout): it goes back to the pool.
      await c.query('ROLLBACK').catch(markBroken)
      throw err
    }
  })
}
