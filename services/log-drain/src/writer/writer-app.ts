// The writer on its own: a Fastify instance with the database, NATS,
// the tenant directory and the log writer. The writer thread (writer-thread.ts) runs it
// without listening; writer-server.ts runs it as its own process, listening only for
// /healthz and /readyz;
// buildApp registers the same plugins directly for DRAIN_WRITER=inline.
import type { FastifyInstance } from 'fastify'
import { createBaseApp } from '@addonkit/service-kit'
import { KeyRing } from '@addonkit/secrets'
import type { DrainConfig } from '../config.js'
import tenantDirectory from '../tenants/tenant-directory.js'
import { createPgLogStore } from '@addonkit/log-store'
import logWriter, { type LogWriterStats } from './log-writer.js'
import type { IngestLoad } from '../ingest/ingest-load.js'

export interface WriterAppOptions {
  maxLines?: number
  onStats?: (stats: LogWriterStats) => void
  logStream?: NodeJS.WritableStream
  /** Ingestion's load when the writer runs beside it (a thread of the log-drain). */
  load?: IngestLoad
  /** See LogWriterOptions.maxYieldMs. */
  maxYieldMs?: number
}

export async function buildWriterApp (config: DrainConfig, opts: WriterAppOptions = {}): Promise<FastifyInstance> {
  const app = await createBaseApp({
    name: 'log-drain-writer',
    errorPrefix: 'DRAIN',
    databaseUrl: config.databaseUrl,
    natsUrl: config.natsUrl,
    logLevel: config.logLevel,
    logStream: opts.logStream,
    // Its transactions, the seq-block queries and the tenant lookups.
    dbPoolSize: config.drainWriterTransactions + 2
  })
  await app.register(tenantDirectory, { addon: config.addon, cacheMs: config.drainTenantCacheMs })
  await app.register(logWriter, { store: createPgLogStore(app.db.pool), addon: config.addon, keyRing: new KeyRing(config.encryptionKeys), maxLines: opts.maxLines, onStats: opts.onStats, load: opts.load, maxYieldMs: opts.maxYieldMs, backlogMaxBytes: config.drainBacklogMaxBytes, transactions: config.drainWriterTransactions })
  // Ready only while it is actually storing: PostgreSQL and NATS answering is not enough
  // (a writer whose consumer cannot be attached retries, and stores nothing meanwhile).
  app.addReadinessCheck('log-writer', async () => {
    if (!app.logWriter.ready()) throw new Error('not running')
    if (app.logWriter.consuming?.() === false) throw new Error('its JetStream consumer is not attached; retrying')
  })
  return app
}
