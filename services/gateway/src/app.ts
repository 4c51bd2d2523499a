// The gateway: the Heroku Add-on Partner API v3 (provision, plan change, deprovision).
import type { FastifyInstance } from 'fastify'
import { connectionsFrom, createBaseApp } from '@addonkit/service-kit'
import { KeyRing } from '@addonkit/secrets'
import type { GatewayConfig } from './config.js'
import { createProvisioning } from './provisioning.js'
import resourceRoutes from './routes/resources.js'
import webhookRoutes from './routes/webhooks.js'

export interface GatewayOptions {
  logStream?: NodeJS.WritableStream
}

export async function buildApp (config: GatewayConfig, opts: GatewayOptions = {}): Promise<FastifyInstance> {
  const app = await createBaseApp({
    name: 'gateway',
    errorPrefix: 'GW',
    ...connectionsFrom(config),
    logStream: opts.logStream,
    dbPoolSize: 20
  })
  const keyRing = new KeyRing(config.encryptionKeys)
  const provisioning = createProvisioning({
    db: app.db,
    nats: app.nats,
    keyRing,
    addon: config.addon,
    syncBudgetMs: config.syncBudgetMs,
    purgeGraceSeconds: config.purgeGraceSeconds,
    log: app.log
  })
  await app.register(resourceRoutes, { addonId: config.addon.id, password: config.addonPassword, provisioning })
  await app.register(webhookRoutes, { keyRing })
  registerOutboxMetrics(app)
  return app
}

/**
 * The outbox (operations not yet done), read at scrape time: one indexed query for both
 * gauges. A scrape while PostgreSQL is down leaves the last values (readiness says why).
 */
function registerOutboxMetrics (app: FastifyInstance): void {
  if (!app.metrics.enabled) return
  app.metrics.gauge({
    name: 'addonkit_outbox_depth',
    help: 'Operations (provision, plan change, deprovision…) pending or running.',
    async collect () {
      try {
        const r = await app.db.pool.query<{ n: string, age: number | null }>(
          `SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS age FROM operations WHERE status IN ('pending', 'running')`)
        this.set(Number(r.rows[0]!.n))
        oldest.set(r.rows[0]!.age ?? 0)
      } catch (err) { app.log.warn({ err: (err as Error).message }, 'outbox metrics unavailable') }
    }
  })
  // Registered after the depth, whose collect() sets it: the registry renders in order.
  const oldest = app.metrics.gauge({ name: 'addonkit_outbox_oldest_age_seconds', help: 'Age of the oldest operation (provision, plan change, deprovision…) not yet done; 0 when none.' })
}
