// The Fastify instance every service starts from: logger, request ids, database, NATS,
// health routes and the root error handler. Services add their own plugins on top.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { MetricsConfig, NatsDurabilityConfig } from '@addonkit/config'
import dbPlugin from './db.js'
import natsPlugin from './nats.js'
import healthPlugin from './health.js'
import metricsPlugin, { DEFAULT_METRICS_CONFIG } from './metrics.js'
import { installErrorHandler } from './error-handler.js'
import { installJsonParser } from './content-types.js'
import { genReqId, loggerOptions } from './logger.js'
import { registerHttpTracing } from './tracing.js'

export interface BaseAppOptions {
  name: string
  errorPrefix: string
  databaseUrl: string
  natsUrl: string
  /** NATS_ACCEPT_DURABILITY_RISK and friends (config natsDurability). */
  natsDurability?: NatsDurabilityConfig
  logLevel: string
  /** GET /metrics (config metrics); on, loopback only, when absent. */
  metrics?: MetricsConfig
  dbPoolSize?: number
  /** A writable stream for the logs (tests capture them); stdout by default. */
  logStream?: NodeJS.WritableStream
  bodyLimit?: number
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  https?: { cert: string, key: string } | null
  fastify?: Partial<FastifyServerOptions>
}

/** The settings every service's config carries (packages/config), as createBaseApp takes them. */
export interface ServiceConnections {
  databaseUrl: string
  natsUrl: string
  natsDurability?: NatsDurabilityConfig
  metrics?: MetricsConfig
  logLevel: string
}

/** createBaseApp's connection options from a service's config: one spelling for every service. */
export function connectionsFrom (c: ServiceConnections): ServiceConnections {
  return { databaseUrl: c.databaseUrl, natsUrl: c.natsUrl, natsDurability: c.natsDurability, metrics: c.metrics, logLevel: c.logLevel }
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
  // A callback hook, not an async one: it runs on every response of every service, and an
  // async hook costs a promise and a trip through the microtask queue each time.
  app.addHook('onSend', (req, reply, payload, done) => { reply.header('x-request-id', req.id); done(null, payload) })
  installErrorHandler(app, opts.errorPrefix)
  installJsonParser(app)
  try {
    await registerHttpTracing(app) // before any route; nothing when tracing is off
    await app.register(dbPlugin, { url: opts.databaseUrl, poolSize: opts.dbPoolSize })
    await app.register(natsPlugin, { url: opts.natsUrl, name: opts.name, durability: opts.natsDurability })
    await app.register(healthPlugin)
    await app.register(metricsPlugin, { name: opts.name, config: opts.metrics ?? DEFAULT_METRICS_CONFIG, ready: async () => (await app.checkReadiness()).every(([, r]) => r === 'ok') })
  } catch (err) {
    // A refused start (NATS durability, an unreachable database) leaves no pool behind.
    await app.close().catch(() => {})
    throw err
  }
  return app
}
