// The log-drain service.
import type { FastifyInstance } from 'fastify'
import { createBaseApp } from '@addonkit/service-kit'
import type { DrainConfig } from './config.js'

export interface DrainOptions {
  logStream?: NodeJS.WritableStream
}

export async function buildApp (config: DrainConfig, opts: DrainOptions = {}): Promise<FastifyInstance> {
  const app = await createBaseApp({
    name: 'log-drain',
    errorPrefix: 'DRAIN',
    databaseUrl: config.databaseUrl,
    natsUrl: config.natsUrl,
    logLevel: config.logLevel,
    logStream: opts.logStream
  })
  return app
}
