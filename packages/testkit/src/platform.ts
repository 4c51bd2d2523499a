// The one platform test harness: what every cross-service test and benchmark starts. A
// private nats-server (or a 3-node JetStream cluster), a fresh database cloned from the
// migrated template, generated secrets, the strict Heroku simulator, and the services the
// caller names, each built in-process from its own `buildApp(config)` and listening on a
// real port, or spawned as a process of its own (crash tests, benchmarks).
//
// The services are handed in by the caller (`import { service as gateway } from
// '@addonkit/gateway'`): testkit is a package below the services and never imports one.
import { spawn, type ChildProcess } from 'node:child_process'
import type { Writable } from 'node:stream'
import { buildManifest, loadConfig, type AddonDefinition } from '@addonkit/config'
import { createDb, type Db } from '@addonkit/db'
import { startHerokuSim, createHerokuDriver, type HerokuSim, type HerokuDriver } from '@addonkit/heroku-sim'
import { KeyRing, randomSecret } from '@addonkit/secrets'
import type { NatsServerHandle, NatsClusterHandle } from '@addonkit/local-servers'
import { boundedTeardown, createTestDatabase, startTestNats, startTestNatsCluster, testEnv, eventually, LogCapture, type Teardown } from './resources.js'

/** A service's app as the harness needs it (a Fastify instance). */
export interface ServiceApp {
  listen (opts: { port: number, host: string }): Promise<string>
  ready (): PromiseLike<unknown>
  close (): PromiseLike<unknown>
}

/**
 * What each service exports as `service`: its name, its config loader (validating the
 * environment once), its app factory and its start-up file.
 */
export interface ServiceModule<C = any, O = any, A extends ServiceApp = any> {
  name: 'gateway' | 'allocator' | 'dashboard' | 'log-drain'
  loadConfig (env: Record<string, string>): C
  buildApp (config: C, options: O & { logStream?: Writable }): Promise<A>
  /** Absolute path of the start-up file (server.ts, or server.js when built). */
  serverFile: string
  /** The variable naming its port. */
  portVariable: string
}

export interface PlatformOptions {
  /** Services built in-process, in this order, each listening on a free loopback port. */
  services?: ServiceModule[]
  /** Variables on top of the generated ones (testEnv). */
  env?: Record<string, string>
  /** A 3-node JetStream cluster instead of one nats-server. */
  cluster?: boolean
  /** The client secret the simulator expects (default: the one the platform is configured with). */
  simClientSecret?: string
  /** The simulator's id.heroku.com knows an OAuth client for the dashboard (HEROKU_OAUTH_ID/SECRET). */
  oauthClient?: boolean
}

export interface StartOptions<O = any> {
  /** Variables on top of the platform's for this service only. */
  env?: Record<string, string>
  /** Options for its buildApp besides the log stream. */
  options?: O
  /** A port chosen beforehand (e.g. one its public URL already names); default any free port. */
  port?: number
  /** Build and make ready, but do not listen. */
  listen?: boolean
}

export interface Platform {
  env: Record<string, string>
  /** The nats-server (with `cluster`: the first node). */
  nats: NatsServerHandle
  cluster: NatsClusterHandle | null
  sim: HerokuSim
  db: Db
  keyRing: KeyRing
  addon: AddonDefinition
  addonPassword: string
  ssoSalt: string
  /** Every service's log lines, in-process and spawned. */
  logs: LogCapture
  /** The in-process apps by service name (the latest started of each). */
  apps: Record<string, any>
  /** Their base URLs, http://127.0.0.1:port. */
  urls: Record<string, string>
  /** Heroku's side of the Partner API, aimed at the gateway (when one was started). */
  heroku: HerokuDriver
  /** The OAuth client the simulator knows, when asked for. */
  oauth: { id: string, secret: string, redirectUris: string[] } | null
  /** Builds (and by default starts listening) one more in-process instance of a service. */
  start<A extends ServiceApp> (service: ServiceModule<any, any, A>, opts?: StartOptions): Promise<{ app: A, url: string }>
  /** Starts a service as a process of its own (SIGKILL tests, benchmarks); killed at teardown. */
  spawn (service: ServiceModule, env?: Record<string, string>, opts?: { stdio?: 'capture' | 'ignore' }): ChildProcess
  /** Provisions an add-on the way Heroku does, through the gateway, and waits until the allocator has completed it. */
  provision (plan?: string, opts?: { timeoutMs?: number }): Promise<string>
}

export async function startPlatform (t: Teardown, opts: PlatformOptions = {}): Promise<Platform> {
  const cluster = opts.cluster === true ? await startTestNatsCluster(t) : null
  const nats = cluster ? cluster.nodes[0]! : await startTestNats(t)
  const databaseUrl = await createTestDatabase(t)
  const env = testEnv({ DATABASE_URL: databaseUrl, NATS_URL: cluster ? cluster.url : nats.url, LOG_LEVEL: 'warn', ...opts.env })
  const base = loadConfig(env, ['addonPassword', 'ssoSalt', 'encryptionKeys'])
  const manifest = buildManifest({ addon: base.addon, addonPassword: base.addonPassword, ssoSalt: base.ssoSalt, gatewayPublicUrl: 'https://gw.example.com', dashboardPublicUrl: 'https://dash.example.com', gatewayTestUrl: 'http://127.0.0.1', dashboardTestUrl: 'http://127.0.0.1' })
  const oauth = opts.oauthClient === true ? { id: 'addonkit-autoscaling', secret: randomSecret(24), redirectUris: [] as string[] } : null
  const sim = await startHerokuSim({ clientSecret: opts.simClientSecret ?? env.HEROKU_CLIENT_SECRET!, manifest, ...(oauth ? { oauthClient: oauth } : {}) })
  boundedTeardown(t, 'close the Heroku simulator', () => sim.close())
  env.HEROKU_API_URL = sim.apiUrl
  env.HEROKU_ID_URL = sim.idUrl
  if (oauth) { env.HEROKU_OAUTH_ID = oauth.id; env.HEROKU_OAUTH_SECRET = oauth.secret }
  const db = createDb(databaseUrl)
  boundedTeardown(t, 'close the test database client', () => db.close())
  const logs = new LogCapture()
  const apps: Record<string, any> = {}
  const urls: Record<string, string> = {}
  let heroku: HerokuDriver | undefined

  const platform: Platform = {
    env, nats, cluster, sim, db, keyRing: new KeyRing(base.encryptionKeys), addon: base.addon, addonPassword: base.addonPassword, ssoSalt: base.ssoSalt, logs, apps, urls, oauth,
    get heroku (): HerokuDriver {
      if (!heroku) throw new Error('startPlatform: no gateway was started, so there is no Heroku driver')
      return heroku
    },
    async start (service, o = {}) {
      const app = await service.buildApp(service.loadConfig({ ...env, ...o.env }), { ...o.options, logStream: logs })
      await app.ready()
      boundedTeardown(t, `close the ${service.name}`, () => app.close())
      apps[service.name] = app
      if (o.listen === false) return { app, url: '' }
      const url = await app.listen({ port: o.port ?? 0, host: '127.0.0.1' })
      urls[service.name] = url
      if (service.name === 'gateway') heroku = createHerokuDriver({ sim, baseUrl: `${url}/heroku/resources`, addonId: base.addon.id, password: base.addonPassword, requires: base.addon.requires })
      return { app, url }
    },
    spawn (service, extra = {}, o = {}) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', service.serverFile], {
        env: { PATH: process.env.PATH ?? '', ...env, [service.portVariable]: '0', ...extra },
        stdio: ['ignore', o.stdio === 'ignore' ? 'ignore' : 'pipe', o.stdio === 'ignore' ? 'inherit' : 'pipe']
      })
      child.stdout?.on('data', (d: Buffer) => logs.write(d))
      child.stderr?.on('data', (d: Buffer) => logs.write(d))
      t.teardown(async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      })
      return child
    },
    async provision (plan = 'hobby', o = {}) {
      const r = await platform.heroku.provision({ plan })
      if (r.status !== 200 && r.status !== 202) throw new Error(`provision answered ${r.status}: ${JSON.stringify(r.body)}`)
      const uuid = r.uuid
      await eventually(async () => sim.addons.get(uuid)?.state === 'provisioned' &&
        (await db.pool.query<{ state: string }>('SELECT state FROM instances WHERE uuid = $1', [uuid])).rows[0]?.state === 'provisioned', o.timeoutMs ?? 15_000)
      return uuid
    }
  }
  for (const service of opts.services ?? []) await platform.start(service)
  return platform
}

/**
 * A Teardown for code outside tap (benchmarks): collects the steps and runs them, last
 * first, when `run` is called; a step that fails is reported on stderr and the rest run.
 */
export function teardownList (): Teardown & { run (): Promise<void> } {
  const steps: Array<() => unknown> = []
  return {
    teardown (fn) { steps.push(fn) },
    async run () {
      for (const fn of steps.splice(0).reverse()) {
        try { await fn() } catch (err) { process.stderr.write(`teardown step failed: ${(err as Error).message}\n`) }
      }
    }
  }
}
