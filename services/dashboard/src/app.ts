// The dashboard service.
import type { FastifyInstance } from 'fastify'
import { createBaseApp } from '@addonkit/service-kit'
import type { DashboardConfig } from './config.js'

export interface DashboardOptions {
  logStream?: NodeJS.WritableStream
}

export async function buildApp (config: DashboardConfig, opts: DashboardOptions = {}): Promise<FastifyInstance> {
  const app = await createBaseApp({
    name: 'dashboard',
    errorPrefix: 'DASH',
    databaseUrl: config.databaseUrl,
    natsUrl: config.natsUrl,
    logLevel: config.logLevel,
    logStream: opts.logStream
  })
  return app
}
