// The gateway: the Heroku Add-on Partner API v3 (provision, plan change, deprovision).
import type { FastifyInstance } from 'fastify'
import { createBaseApp } from '@addonkit/service-kit'
import type { GatewayConfig } from './config.js'

export interface GatewayOptions {
  logStream?: NodeJS.WritableStream
}

export async function buildApp (config: GatewayConfig, opts: GatewayOptions = {}): Promise<FastifyInstance> {
  const app = await createBaseApp({
    name: 'gateway',
    errorPrefix: 'GW',
    databaseUrl: config.databaseUrl,
    natsUrl: config.natsUrl,
    logLevel: config.logLevel,
    logStream: opts.logStream
  })
  return app
}
