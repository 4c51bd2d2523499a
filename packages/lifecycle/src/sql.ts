// How the repositories of this package (instances.ts, operations.ts, audit.ts) reach the
// database: plain SQL, one statement per round trip, on the raw pool, on a client inside a
// transaction, or (for callers already inside a Prisma transaction) on that transaction.
// The SQL text is the same in every case, so a row is always written the same way.
import { createHash } from 'node:crypto'
import { inTransaction as dbInTransaction, type Db, type Prisma } from '@addonkit/db'

/** db.pool, or a client checked out of it (inside inTransaction). */
export type Queryable = Pick<Db['pool'], 'query'>

/** A Prisma client or interactive-transaction client, for callers already inside one. */
export type PrismaRaw = Pick<Prisma.TransactionClient, '$queryRawUnsafe'>

export type SqlExecutor = Queryable | PrismaRaw

/**
 * A statement the hot paths run often, as a named (prepared) statement: PostgreSQL parses
 * and plans it once per connection instead of on every call. Planning the multi-table
 * statements (CTEs) of the provisioning path costs about as much as running them (issue 20:
 * the provision insert took 0.50 ms of backend CPU unnamed, 0.27 ms prepared). One name per
 * statement text (node-postgres refuses a name reused with another text).
 */
export function prepared (name: string, text: string): (values: unknown[]) => { name: string, text: string, values: unknown[] } {
  named.set(name, text)
  return (values) => ({ name, text, values })
}

const named = new Map<string, string>()

/** Every statement `prepared` has named in this process (the modules loaded so far), by name: tests check the plans PostgreSQL keeps for them. */
export function preparedStatements (): ReadonlyMap<string, string> {
  return named
}

const PREPARED_TEXTS_MAX = 64
const preparedNames = new Map<string, string>()

/**
 * `pool` with every statement text it is given prepared under a name derived from the text,
 * for hot paths that run another package's constant statements (the logs driver's tenant
 * upsert, the app log line's URL read). At most 64 texts are prepared per process; any
 * further text runs unnamed, so dynamic SQL cannot pile up prepared statements.
 */
export function preparing (pool: Queryable): Queryable {
  const query = (text: unknown, values?: unknown) => {
    if (typeof text !== 'string') return (pool.query as (...a: unknown[]) => unknown)(text, values)
    let name = preparedNames.get(text)
    if (!name && preparedNames.size < PREPARED_TEXTS_MAX) {
      name = 'p.' + createHash('sha1').update(text).digest('base64url').slice(0, 20)
      preparedNames.set(text, name)
    }
    return name ? pool.query({ name, text, values: values as unknown[] }) : (pool.query as (...a: unknown[]) => unknown)(text, values)
  }
  return { query } as unknown as Queryable
}

/** Runs one statement and returns its rows. */
export async function rows<T> (x: SqlExecutor, text: string, params: unknown[]): Promise<T[]> {
  if ('query' in x) return (await x.query(text, params)).rows as T[]
  return x.$queryRawUnsafe<T[]>(text, ...params)
}

/**
 * One transaction (packages/db inTransaction) on the db's pool, opened by a plain BEGIN.
 */
export function inTransaction<T> (db: Pick<Db, 'pool'>, fn: (c: Queryable) => Promise<T>): Promise<T> {
  return dbInTransaction(db.pool, 'BEGIN', fn)
}
