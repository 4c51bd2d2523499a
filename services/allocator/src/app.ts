// The allocator service.
import type { FastifyInstance } from 'fastify'
import { createBaseApp } from '@addonkit/service-kit'
import type { AllocatorConfig } from './config.js'

export interface AllocatorOptions {
  logStream?: NodeJS.WritableStream
}

export async function buildApp (config: AllocatorConfig, opts: AllocatorOptions = {}): Promise<FastifyInstance> {
  const app = await createBaseApp({
    name: 'allocator',
    errorPrefix: 'ALLOC',
    databaseUrl: config.databaseUrl,
    natsUrl: config.natsUrl,
    logLevel: config.logLevel,
    logStream: opts.logStream
  })
  return app
}
