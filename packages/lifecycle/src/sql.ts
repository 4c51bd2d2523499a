// How the repositories of this package (instances.ts, operations.ts, audit.ts) reach the
// database: plain SQL, one statement per round trip, on the raw pool, on a client inside a
// transaction, or (for callers already inside a Prisma transaction) on that transaction.
// The SQL text is the same in every case, so a row is always written the same way.
import { withClient, type Db, type Prisma } from '@addonkit/db'

/** db.pool, or a client checked out of it (inside inTransaction). */
export type Queryable = Pick<Db['pool'], 'query'>

/** A Prisma client or interactive-transaction client, for callers already inside one. */
export type PrismaRaw = Pick<Prisma.TransactionClient, '$queryRawUnsafe'>

export type SqlExecutor = Queryable | PrismaRaw

/** Runs one statement and returns its rows. */
export async function rows<T> (x: SqlExecutor, text: string, params: unknown[]): Promise<T[]> {
  if ('query' in x) return (await x.query(text, params)).rows as T[]
  return x.$queryRawUnsafe<T[]>(text, ...params)
}

/**
 * One transaction on a pooled connection: committed after fn, rolled back on any error. A
 * connection whose ROLLBACK failed too is discarded (withClient also keeps a connection
 * that dies meanwhile from crashing the process).
 */
export function inTransaction<T> (db: Pick<Db, 'pool'>, fn: (c: Queryable) => Promise<T>): Promise<T> {
  return withClient(db.pool, async (c, markBroken) => {
    try {
      await c.query('BEGIN')
      const out = await fn(c)
      await c.query('COMMIT')
      return out
    } catch (err) {
      await c.query('ROLLBACK').catch(markBroken)
      throw err
    }
  })
}
