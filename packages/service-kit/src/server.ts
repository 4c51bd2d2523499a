// The start-up of a service: validate config once (one line and exit 1 on error), build the
// app, listen, and shut down gracefully on SIGTERM/SIGINT within 10 s. A service's
// server.ts imports its app lazily in buildApp, so the app (and everything it imports)
// loads only after the config is valid and a configuration error is reported at once.
import type { FastifyInstance } from 'fastify'
import { ConfigError, type TracingConfig } from '@addonkit/config'
import { startTracingFromConfig, stopTracing } from './tracing.js'

export interface StartOptions<C> {
  name: string
  loadConfig: (env: NodeJS.ProcessEnv) => C
  buildApp: (config: C) => Promise<FastifyInstance>
  port: (config: C) => number
  /** Default: the config's `host` (HOST). */
  host?: (config: C) => string
}

export const SHUTDOWN_DEADLINE_MS = 10_000

export async function startService<C extends { tracing?: TracingConfig, host: string }> (opts: StartOptions<C>): Promise<void> {
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
    await app.listen({ port: opts.port(config), host: opts.host ? opts.host(config) : config.host })
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
