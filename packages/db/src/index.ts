// The database package: the Prisma client generated from prisma/schema.prisma, wired to
// PostgreSQL through the pg driver adapter, and a raw pg pool for the few hot paths that
// need COPY or hand-written SQL. No global singletons: every service calls createDb(url).
import pg from 'pg'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from './generated/client.js'

export * from './generated/client.js'
export { Prisma } from './generated/client.js'

/**
 * A uuid's hex digits in lower case: the key two spellings of one uuid share. PostgreSQL
 * answers the canonical form (lower case, hyphens); a caller may have sent another, so
 * rows a batched statement returns are matched to its callers by this key.
 */
export function uuidKey (uuid: string): string {
  return uuid.toLowerCase().replace(/[^0-9a-f]/g, '')
}

export interface Db {
  prisma: PrismaClient
  /** Raw pool for COPY and bulk SQL; shares the server with `prisma`. */
  pool: pg.Pool
  /** Resolves when a trivial query succeeds within timeoutMs; rejects with the reason otherwise. */
  ping (timeoutMs?: number): Promise<void>
  close (): Promise<void>
}

export interface DbOptions {
  /** Connections for each of the two pools (Prisma's and the raw one). */
  poolSize?: number
}

export class DbUnavailableError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DbUnavailableError'
  }
}

/**
 * Runs fn on a client checked out of the pool, and returns the client afterwards. While a
 * client is checked out pg-pool detaches its own 'error' listener, and pg emits 'error' on
 * the client whenever its connection dies (a backend terminated between two queries of a
 * transaction, or even during one: the query rejects and the event fires as well). With no
 * listener that event is an uncaught exception which ends the whole process. Here a
 * listener is kept for as long as the client is out, and a client whose connection failed,
 * or that fn marks broken (a ROLLBACK or an unlock that failed leaves it in an unknown
 * state), is destroyed instead of being pooled again. fn's own errors reject as they are.
 */
export async function withClient<T> (pool: pg.Pool, fn: (client: pg.PoolClient, markBroken: (err: Error) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  const onError = (err: Error) => { broken ??= err }
  client.on('error', onError)
  try {
    return await fn(client, (err) => { broken ??= err })
  } finally {
    client.removeListener('error', onError)
    // pg-pool puts its idle listener back on release; a destroyed client may still emit
    // once its socket closes, which that listener (or this one, for a broken client) takes.
    if (broken) client.on('error', () => {})
    client.release(broken ?? false)
  }
}

/**
 * One transaction on a pooled connection: opened by `begin` (BEGIN and whatever must come
 * with it — SET LOCAL, a lock — in one round trip, since a simple query may hold several
 * statements), committed after `fn`, rolled back on any error. A connection whose ROLLBACK
 * failed too, or that died meanwhile, is discarded rather than returned to the pool in an
 * unknown state (withClient also keeps a dying connection from crashing the process); one
 * whose ROLLBACK succeeds (an expected failure, a statement timeout) goes back to the pool.
 */
export function inTransaction<T> (pool: pg.Pool, begin: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (c, markBroken) => {
    try {
      await c.query(begin)
      const out = await fn(c)
      await c.query('COMMIT')
      return out
    } catch (err) {
      await c.query('ROLLBACK').catch(markBroken)
      throw err
    }
  })
}

export function createDb (url: string, opts: DbOptions = {}): Db {
  const poolSize = opts.poolSize ?? 10
  const poolConfig: pg.PoolConfig = { connectionString: url, max: poolSize, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 }
  const prisma = new PrismaClient({ adapter: new PrismaPg(poolConfig) })
  const pool = new pg.Pool(poolConfig)
  // An idle client that loses its server emits 'error' on the pool; without a listener
  // that would crash the process. Queries report the failure to their callers instead.
  pool.on('error', () => {})
  return {
    prisma,
    pool,
    async ping (timeoutMs = 1000) {
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs) })
        ])
      } catch (err) {
        throw new DbUnavailableError(`postgres: ${(err as Error).message}`, { cause: err })
      } finally { clearTimeout(timer) }
    },
    async close () {
      await Promise.allSettled([prisma.$disconnect(), pool.end()])
    }
  }
}
