// The log-drain service: Logplex drain ingestion (POST /drain, protocol §11.1) into a
// JetStream work queue, the writer that stores batches exactly once in PostgreSQL, and the
// add-on's data API (/v1/logs: search, tail, post). See README.md for the design.
import type { FastifyInstance } from 'fastify'
import { connectionsFrom, createBaseApp, replicasPlugin } from '@addonkit/service-kit'
import { subjects } from '@addonkit/contracts'
import { KeyRing } from '@addonkit/secrets'
import type { DrainConfig } from './config.js'
import tenantDirectory from './tenants/tenant-directory.js'
import ingestPublisher from './ingest/ingest-publisher.js'
import { IngestLoad } from './ingest/ingest-load.js'
import logWriter from './writer/log-writer.js'
import writerSupervisor from './writer/writer-supervisor.js'
import { createPgLogStore, longestRetentionDays, type LogStore } from '@addonkit/log-store'
import { scheduleMaintenance } from './maintenance.js'
import { installDrainErrorHandler } from './error-handler.js'
import drainRoutes from './routes/drain.js'
import dataApi from './routes/data-api.js'
import { registerDrainMetrics } from './drain-metrics.js'

export interface DrainOptions {
  logStream?: NodeJS.WritableStream
  /** Most lines the writer stores in one transaction (tests make it small). */
  writerMaxLines?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    logStore: LogStore
    /** Drain requests in flight right now (part of what the writer yields to). */
    drainInflight (): number
  }
}

export async function buildApp (config: DrainConfig, opts: DrainOptions = {}): Promise<FastifyInstance> {
  const app = await createBaseApp({
    name: 'log-drain',
    errorPrefix: 'DRAIN',
    ...connectionsFrom(config),
    logStream: opts.logStream,
    bodyLimit: config.drainBodyLimit,
    dbPoolSize: 12,
    https: config.drainTls,
    // Logplex waits 5 s per request (protocol §11.1): keep its connections open between batches.
    fastify: { keepAliveTimeout: 65_000 }
  })
  const store = createPgLogStore(app.db.pool)
  app.decorate('logStore', store)
  const keyRing = new KeyRing(config.encryptionKeys)
  await app.register(tenantDirectory, { addon: config.addon, cacheMs: config.drainTenantCacheMs })
  await app.register(replicasPlugin, { subject: subjects.presence('log-drain') })
  // How busy ingestion is, shared with the writer so that it lets drains go first.
  const load = new IngestLoad()
  app.decorate('drainInflight', () => load.inflight())
  await app.register(ingestPublisher, { maxInflight: config.drainMaxInflight, timeoutMs: config.drainPublishTimeoutMs, backlogMaxBytes: config.drainBacklogMaxBytes, groupPublish: config.drainGroupPublish })
  scheduleMaintenance(app, store, longestRetentionDays(config.addon))
  if (config.drainWriter === 'inline') await app.register(logWriter, { store, addon: config.addon, keyRing, maxLines: opts.writerMaxLines, load, backlogMaxBytes: config.drainBacklogMaxBytes, transactions: config.drainWriterTransactions })
  if (config.drainWriter === 'thread') {
    // Only a writer in another thread can use this thread's utilization (inline, it would count itself).
    const stop = load.sampleUtilization()
    app.addHook('onClose', async () => { stop() })
    await app.register(writerSupervisor, { config, maxLines: opts.writerMaxLines, load })
  }
  await app.register(async (scope) => {
    installDrainErrorHandler(scope)
    await scope.register(drainRoutes, { bodyLimit: config.drainBodyLimit, load })
    await scope.register(dataApi, { store, bodyLimit: config.drainBodyLimit })
  })
  registerDrainMetrics(app, { topTenants: config.metrics.topTenants })
  return app
}
