// The gateway: the Heroku Add-on Partner API v3 (provision, plan change, deprovision).
import type { FastifyInstance } from 'fastify'
import { createBaseApp } from '@addonkit/service-kit'
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
    databaseUrl: config.databaseUrl,
    natsUrl: config.natsUrl,
    natsDurability: config.natsDurability,
    logLevel: config.logLevel,
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
  return app
}
