// Builds the real provisioning stack for a test: a private nats-server, a fresh database,
// the Heroku simulator, the allocator (in-process, or as a child process for crash tests)
// and the gateway listening on a real port, driven by the simulator's Heroku driver.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { createTestDatabase, startTestNats, testEnv, LogCapture, type Teardown, type NatsServerHandle } from '@addonkit/testkit'
import { startHerokuSim, createHerokuDriver, type HerokuSim, type HerokuDriver } from '@addonkit/heroku-sim'
import { buildManifest, loadConfig } from '@addonkit/config'
import { createDb, type Db } from '@addonkit/db'
import { buildApp as buildAllocator, loadAllocatorConfig } from '@addonkit/allocator'
import { buildApp } from '../src/app.js'
import { loadGatewayConfig } from '../src/config.js'

export interface Stack {
  env: Record<string, string>
  nats: NatsServerHandle
  sim: HerokuSim
  heroku: HerokuDriver
  gateway: FastifyInstance
  gatewayUrl: string
  db: Db
  logs: LogCapture
  allocator?: FastifyInstance
  /** Starts the allocator as a separate process (for SIGKILL tests). */
  spawnAllocator (extraEnv?: Record<string, string>): Promise<ChildProcess>
  startAllocator (): Promise<FastifyInstance>
}

export interface StackOptions {
  env?: Record<string, string>
  allocator?: 'in-process' | 'none'
  /** The client secret the simulator expects (default: the one the stack is configured with). */
  simClientSecret?: string
}

export async function startStack (t: Teardown, opts: StackOptions = {}): Promise<Stack> {
  const nats = await startTestNats(t)
  const env = testEnv({ DATABASE_URL: await createTestDatabase(t), NATS_URL: nats.url, LOG_LEVEL: 'info', OPERATION_SWEEP_MS: '200', OPERATION_LEASE_MS: '3000', ...opts.env })
  const base = loadConfig(env, ['addonPassword', 'ssoSalt'])
  const manifest = buildManifest({ addon: base.addon, addonPassword: base.addonPassword, ssoSalt: base.ssoSalt, gatewayPublicUrl: 'https://gw.example.com', dashboardPublicUrl: 'https://dash.example.com', gatewayTestUrl: 'http://127.0.0.1', dashboardTestUrl: 'http://127.0.0.1' })
  const sim = await startHerokuSim({ clientSecret: opts.simClientSecret ?? env.HEROKU_CLIENT_SECRET!, manifest })
  t.teardown(() => sim.close())
  env.HEROKU_API_URL = sim.apiUrl
  env.HEROKU_ID_URL = sim.idUrl
  const logs = new LogCapture()
  const gateway = await buildApp(loadGatewayConfig(env), { logStream: logs })
  const address = await gateway.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => gateway.close())
  const db = createDb(env.DATABASE_URL!)
  t.teardown(() => db.close())
  const heroku = createHerokuDriver({ sim, baseUrl: `${address}/heroku/resources`, addonId: base.addon.id, password: env.ADDON_PASSWORD!, requires: base.addon.requires })
  const stack: Stack = {
    env, nats, sim, heroku, gateway, gatewayUrl: address, db, logs,
    async startAllocator () {
      const app = await buildAllocator(loadAllocatorConfig(env), { logStream: logs })
      await app.ready()
      t.teardown(() => app.close())
      stack.allocator = app
      return app
    },
    async spawnAllocator (extraEnv = {}) {
      const server = fileURLToPath(import.meta.resolve('@addonkit/allocator/server'))
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', server], { env: { PATH: process.env.PATH ?? '', ...env, ALLOCATOR_PORT: '0', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] })
      child.stdout!.on('data', (d: Buffer) => logs.write(d))
      child.stderr!.on('data', (d: Buffer) => logs.write(d))
      t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
      return child
    }
  }
  if ((opts.allocator ?? 'in-process') === 'in-process') await stack.startAllocator()
  return stack
}
