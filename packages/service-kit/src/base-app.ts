// The Fastify instance every service starts from: logger, request ids, database, NATS,
// health routes and the root error handler. Services add their own plugins on top.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { NatsDurabilityConfig } from '@addonkit/config'
import dbPlugin from './db.js'
import natsPlugin from './nats.js'
import healthPlugin from './health.js'
import { installErrorHandler } from './error-handler.js'
import { installJsonParser } from './content-types.js'
import { genReqId, loggerOptions } from './logger.js'

export interface BaseAppOptions {
  name: string
  errorPrefix: string
  databaseUrl: string
  natsUrl: string
  /** NATS_ACCEPT_DURABILITY_RISK and friends (config natsDurability). */
  natsDurability?: NatsDurabilityConfig
  logLevel: string
  dbPoolSize?: number
  /** A writable stream for the logs (tests capture them); stdout by default. */
  logStream?: NodeJS.WritableStream
  bodyLimit?: number
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  https?: { cert: string, key: string } | null
  fastify?: Partial<FastifyServerOptions>
}

export async function createBaseApp (opts: BaseAppOptions): Promise<FastifyInstance> {
  const logger = opts.logStream ? { ...loggerOptions(opts.name, opts.logLevel), stream: opts.logStream } : loggerOptions(opts.name, opts.logLevel)
  const app = Fastify({
    logger,
    genReqId,
    requestIdHeader: false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ...(opts.https ? { https: { cert: opts.https.cert, key: opts.https.key } } : {}),
    ...opts.fastify
  } as FastifyServerOptions)
  app.addHook('onSend', async (req, reply) => { reply.header('x-request-id', req.id) })
  installErrorHandler(app, opts.errorPrefix)
  installJsonParser(app)
  try {
    await app.register(dbPlugin, { url: opts.databaseUrl, poolSize: opts.dbPoolSize })
    await app.register(natsPlugin, { url: opts.natsUrl, name: opts.name, durability: opts.natsDurability })
    await app.register(healthPlugin)
  } catch (err) {
    // A refused start (NATS durability, an unreachable database) leaves no pool behind.
    await app.close().catch(() => {})
    throw err
  }
  return app
}
