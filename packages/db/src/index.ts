// The database package: the Prisma client generated from prisma/schema.prisma, wired to
// PostgreSQL through the pg driver adapter, and a raw pg pool for the few hot paths that
// need COPY or hand-written SQL. No global singletons: every service calls createDb(url).
import pg from 'pg'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from './generated/client.js'

export * from './generated/client.js'
export { Prisma } from './generated/client.js'

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
