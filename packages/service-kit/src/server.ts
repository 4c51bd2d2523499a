// The start-up of a service: validate config once (one line and exit 1 on error), build the
// app, listen, and shut down gracefully on SIGTERM/SIGINT within 10 s.
import type { FastifyInstance } from 'fastify'
import { ConfigError, type TracingConfig } from '@addonkit/config'
import { startTracingFromConfig, stopTracing } from './tracing.js'

export interface StartOptions<C> {
  name: string
  loadConfig: (env: NodeJS.ProcessEnv) => C
  buildApp: (config: C) => Promise<FastifyInstance>
  port: (config: C) => number
  host: (config: C) => string
}

export const SHUTDOWN_DEADLINE_MS = 10_000

export async function startService<C extends { tracing?: TracingConfig }> (opts: StartOptions<C>): Promise<void> {
  let config: C
  try {
    config = opts.loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${opts.name}: configuration error: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
  let app: FastifyInstance
  try {
    // Before the app is built: its HTTP server spans need the provider (tracing.ts).
    await startTracingFromConfig(opts.name, config.tracing)
    app = await opts.buildApp(config)
    await app.listen({ port: opts.port(config), host: opts.host(config) })
  } catch (err) {
    process.stderr.write(`${opts.name}: failed to start: ${(err as Error).message}\n`)
    process.exit(1)
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => {
      app.log.error('graceful shutdown took longer than 10 s; exiting')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    timer.unref()
    app.close().then(() => stopTracing()).then(() => process.exit(0), (err) => {
      app.log.error({ err }, 'error during shutdown')
      process.exit(1)
    })
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}
