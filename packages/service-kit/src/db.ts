// The database (Prisma + raw pool from @addonkit/db) as a Fastify plugin.
import fp from 'fastify-plugin'
import { createDb, type Db } from '@addonkit/db'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

export interface DbPluginOptions { url: string, poolSize?: number }

async function dbPlugin (app: FastifyInstance, opts: DbPluginOptions) {
  const db = createDb(opts.url, { poolSize: opts.poolSize })
  app.decorate('db', db)
  app.addHook('onClose', async () => { await db.close() })
}

export default fp(dbPlugin, { name: 'addonkit-db', fastify: '5.x' })
