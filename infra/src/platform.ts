// The whole platform as `npm start` runs it: PostgreSQL and nats-server (embedded unless
// DATABASE_URL / NATS_URL name others), migrations, a tenant-database cluster for the
// `postgres` driver, the Heroku simulator (unless HEROKU_API_URL names a real Heroku), the
// four services as child processes, and the generated manifest beside heroku-sim.json in
// the data directory. `npm start` runs the built services; tests run them from source.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { join } from 'node:path'
import { loadConfig, manifestFromConfig, MANIFEST_SETTINGS, type Manifest } from '@addonkit/config'
import { startHerokuSim, type HerokuSim } from '@addonkit/heroku-sim'
import { startStack, migrate, turbo, type Stack } from './stack.js'
import { localTlsCertificate } from './local-tls.js'
import { guardProcess, releaseProcess, assertPortFree, startPostgresServer, freePort } from '@addonkit/local-servers'
import { DEFAULT_RESTART_POLICY, nextRestart, type RestartPolicy } from './process/restart-policy.js'
import { startTcpBalancer, type Backend } from './process/tcp-balancer.js'
import { repoRoot } from './paths.js'

export const SERVICES = [
  { name: 'gateway', portVar: 'GATEWAY_PORT', port: 5000 },
  { name: 'dashboard', portVar: 'DASHBOARD_PORT', port: 5001 },
  { name: 'log-drain', portVar: 'DRAIN_PORT', port: 5002 },
  { name: 'allocator', portVar: 'ALLOCATOR_PORT', port: 5003 }
] as const

export interface PlatformOptions {
  dataDir: string
  /** The environment the services get, on top of the generated secrets. */
  env: NodeJS.ProcessEnv
  /** The secrets the services use (secrets-file.ts: the environment's, else generated ones). */
  secrets: Record<string, string>
  log: (msg: string) => void
  /** `dist`: build, then run services/<name>/dist/server.js (npm start); `source`: run src/server.ts through tsx. */
  services: 'dist' | 'source'
  /** Embedded servers keep their data (npm start) or are throwaway. */
  persistent: boolean
  /** Serve drains over https with a self-signed certificate unless DRAIN_PUBLIC_URL / DRAIN_TLS_* say otherwise. Default true. */
  drainTls?: boolean
  /** Where services write their logs; default inherited. */
  serviceOutput?: (name: string, chunk: Buffer) => void
  /**
   * What the supervisor did after a service exited while the platform was running: it is
   * restarted with backoff, or, after a crash loop, left stopped (the others keep serving).
   */
  onServiceEvent?: (e: ServiceEvent) => void
  /** How exited services are restarted (process/restart-policy.ts). */
  restartPolicy?: RestartPolicy
  /** Run the embedded NATS as a JetStream cluster of this many servers (`npm start -- --nats-cluster 3`). */
  natsCluster?: number
  /**
   * Run each service as this many processes (`npm start -- --replicas 2`) on ports of their
   * own, behind a TCP balancer on the service's port (process/tcp-balancer.ts). Default 1.
   */
  replicas?: number
}

export type ServiceEvent =
  | { kind: 'exited', name: string, code: number | null, signal: NodeJS.Signals | null, restartInMs: number, crashesInWindow: number }
  | { kind: 'restarted', name: string, pid: number }
  | { kind: 'gave-up', name: string, code: number | null, signal: NodeJS.Signals | null, crashesInWindow: number }

export interface Platform {
  env: NodeJS.ProcessEnv
  stack: Stack
  sim?: HerokuSim
  urls: Array<{ name: string, url: string }>
  manifest: Manifest
  manifestPath: string
  /** The self-signed certificate the local drains serve (PEM), when they serve one. */
  drainCa?: string
  gatewayUrl: string
  dashboardUrl: string
  /** The running process of each service (replaced on a restart); with replicas, the second and later are `<name>#2`, `<name>#3`… */
  children: Map<string, ChildProcess>
  /** Stops everything; `onWait` is told every few seconds what it is still waiting for. */
  stop (onWait?: (what: string) => void): Promise<void>
}

/** A loopback readiness probe: it asks whether the service is up, not who it is (no certificate check). */
function getStatus (url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
    req.on('error', () => resolve(0))
    req.on('timeout', () => req.destroy())
  })
}

async function waitReady (url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the service exited with code ${child.exitCode}`)
    if (await getStatus(url) === 200) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000} s`)
}

export async function startPlatform (opts: PlatformOptions): Promise<Platform> {
  const { log } = opts
  const given = opts.env
  const stack = await startStack({
    dir: opts.dataDir,
    databaseUrl: given.DATABASE_URL,
    natsUrl: given.NATS_URL,
    databaseName: 'addonkit',
    persistent: opts.persistent,
    pgPort: Number(given.EMBEDDED_PG_PORT ?? 54329),
    natsPort: Number(given.EMBEDDED_NATS_PORT ?? 4222),
    natsCluster: opts.natsCluster,
    log
  })
  const children = new Map<string, ChildProcess>()
  const stops: Array<[string, () => Promise<void>]> = [['the embedded PostgreSQL and nats-server', () => stack.stop()]]
  let stopping = false
  const stop = async (onWait?: (what: string) => void) => {
    if (stopping) return
    stopping = true
    const waiting = new Set<string>()
    const timer = onWait ? setInterval(() => { if (waiting.size) onWait([...waiting].join(', ')) }, 3000) : undefined
    try {
      await Promise.all([...children].map(([name, c]) => new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve()
        waiting.add(name)
        // A service shuts down gracefully within 10 s (service-kit); then it is killed.
        const kill = setTimeout(() => c.kill('SIGKILL'), 11_000)
        c.once('exit', () => { clearTimeout(kill); waiting.delete(name); resolve() })
        c.kill('SIGTERM')
      })))
      for (const [what, s] of stops.reverse()) {
        if (what) waiting.add(what)
        await s().catch(() => {})
        waiting.delete(what)
      }
    } finally { clearInterval(timer) }
  }
  try {
    log('applying migrations')
    await migrate(stack.databaseUrl)
    if (opts.services === 'dist') {
      log('building')
      if (await turbo(['run', 'build', '--output-logs=errors-only']) !== 0) throw new Error('build failed')
    }
    const env: NodeJS.ProcessEnv = { ...given, ...opts.secrets, DATABASE_URL: stack.databaseUrl, NATS_URL: stack.natsUrl }
    const config = loadConfig(env, MANIFEST_SETTINGS)
    const manifest = manifestFromConfig(config)
    // The `postgres` driver creates tenant databases on a cluster of their own, never on
    // the platform's server.
    if (!given.RESOURCE_PG_ADMIN_URL) {
      const resourcePg = await startPostgresServer({ dataDir: join(opts.dataDir, 'resource-postgres'), port: Number(given.EMBEDDED_RESOURCE_PG_PORT ?? 54330), portHint: 'set EMBEDDED_RESOURCE_PG_PORT to another port, or RESOURCE_PG_ADMIN_URL to use that server', password: opts.secrets.EMBEDDED_RESOURCE_PG_PASSWORD, persistent: opts.persistent, log })
      stops.push(['the tenant-database PostgreSQL', () => resourcePg.stop()])
      env.RESOURCE_PG_ADMIN_URL = resourcePg.adminUrl
    }
    // Heroku wants https drains (protocol §4.2, §11.1; kensa refuses an http log_drain_url):
    // locally the log-drain serves a self-signed certificate that local clients trust.
    let drainCa: string | undefined
    if (opts.drainTls !== false && !given.DRAIN_PUBLIC_URL && !given.DRAIN_TLS_CERT && !given.DRAIN_TLS_KEY) {
      const tls = await localTlsCertificate(join(opts.dataDir, 'tls'))
      env.DRAIN_TLS_CERT = tls.certFile
      env.DRAIN_TLS_KEY = tls.keyFile
      env.DRAIN_PUBLIC_URL = `https://127.0.0.1:${env.DRAIN_PORT ?? 5002}`
      drainCa = tls.cert
    }
    // Locally, Heroku itself is the Heroku simulator unless HEROKU_API_URL names a real one.
    let sim: HerokuSim | undefined
    if (!given.HEROKU_API_URL) {
      // The simulated id.heroku.com also has an OAuth client for the dashboard's "Connect
      // Heroku account" (autoscaling), unless one is configured: a secret derived from the
      // generated client secret, so it stays the same from one start to the next.
      const oauthClient = given.HEROKU_OAUTH_ID
        ? undefined
        : { id: 'addonkit-local', secret: createHmac('sha256', env.HEROKU_CLIENT_SECRET!).update('addonkit-local oauth client').digest('base64url') }
      if (oauthClient) { env.HEROKU_OAUTH_ID = oauthClient.id; env.HEROKU_OAUTH_SECRET = oauthClient.secret }
      const redirectUris = [...new Set([`${config.dashboardPublicUrl}/dashboard/oauth/callback`, `http://127.0.0.1:${config.dashboardPort}/dashboard/oauth/callback`])]
      await assertPortFree(Number(given.HEROKU_SIM_PORT ?? 5010), 'the Heroku simulator', 'set HEROKU_SIM_PORT to another port')
      const s = await startHerokuSim({
        clientSecret: env.HEROKU_CLIENT_SECRET!,
        manifest,
        port: Number(given.HEROKU_SIM_PORT ?? 5010),
        control: true,
        plans: config.addon.plans.map((p) => p.slug),
        ...(env.HEROKU_OAUTH_ID && env.HEROKU_OAUTH_SECRET ? { oauthClient: { id: env.HEROKU_OAUTH_ID, secret: env.HEROKU_OAUTH_SECRET, redirectUris } } : {})
      })
      sim = s
      stops.push(['the Heroku simulator', () => s.close()])
      env.HEROKU_API_URL = s.apiUrl
      env.HEROKU_ID_URL = s.idUrl
      // What a Heroku played from another process needs: the simulator, and the certificate
      // the local drains serve (addonkit check and npm run demo trust it).
      writeFileSync(join(opts.dataDir, 'heroku-sim.json'), JSON.stringify({ url: s.url, ...(drainCa ? { tls_ca_file: env.DRAIN_TLS_CERT } : {}) }) + '\n')
    }
    for (const svc of SERVICES) await assertPortFree(Number(env[svc.portVar] ?? svc.port), svc.name, `set ${svc.portVar} to another port`)
    const replicas = Math.max(1, Math.floor(opts.replicas ?? 1))
    if (replicas > 1) {
      // Each replica listens on a port of its own; what the world is told stays the
      // balancer's port, so the public URLs are fixed before the ports change.
      env.GATEWAY_PUBLIC_URL ??= config.gatewayPublicUrl
      env.DASHBOARD_PUBLIC_URL ??= config.dashboardPublicUrl
      env.DRAIN_PUBLIC_URL ??= `http://127.0.0.1:${env.DRAIN_PORT ?? 5002}`
    }
    const policy = opts.restartPolicy ?? DEFAULT_RESTART_POLICY
    const launch = (svc: typeof SERVICES[number], key: string, replicaEnv: NodeJS.ProcessEnv, exits: number[]): ChildProcess => {
      const args = opts.services === 'dist'
        ? [join(repoRoot, 'services', svc.name, 'dist', 'server.js')]
        : ['--import', 'tsx', '--conditions=addonkit-source', join(repoRoot, 'services', svc.name, 'src', 'server.ts')]
      const out = opts.serviceOutput
      const child = spawn(process.execPath, args, { env: replicaEnv, cwd: repoRoot, stdio: ['ignore', out ? 'pipe' : 'inherit', out ? 'pipe' : 'inherit'], detached: true })
      // Whatever ends this process, the reaper stops the service (process/orphan-guard.ts).
      if (child.pid) guardProcess({ pid: child.pid, match: args.at(-1)!, group: true })
      if (out) {
        child.stdout!.on('data', (d: Buffer) => out(key, d))
        child.stderr!.on('data', (d: Buffer) => out(key, d))
      }
      children.set(key, child)
      child.on('exit', (code, signal) => {
        if (child.pid) releaseProcess(child.pid)
        if (stopping) return
        // Supervision: restart with backoff; after a crash loop leave this one stopped.
        exits.push(Date.now())
        const next = nextRestart(exits, Date.now(), policy)
        if (!next.restart) { opts.onServiceEvent?.({ kind: 'gave-up', name: key, code, signal, crashesInWindow: next.crashesInWindow }); return }
        opts.onServiceEvent?.({ kind: 'exited', name: key, code, signal, restartInMs: next.delayMs, crashesInWindow: next.crashesInWindow })
        setTimeout(() => {
          if (stopping) return
          const again = launch(svc, key, replicaEnv, exits)
          opts.onServiceEvent?.({ kind: 'restarted', name: key, pid: again.pid ?? 0 })
        }, next.delayMs).unref()
      })
      return child
    }
    const scheme = (svc: typeof SERVICES[number]) => svc.name === 'log-drain' && env.DRAIN_TLS_CERT ? 'https' : 'http'
    const replicaUrls: Array<{ key: string, url: string }> = []
    for (const svc of SERVICES) {
      const publicPort = Number(env[svc.portVar] ?? svc.port)
      if (replicas === 1) {
        launch(svc, svc.name, env, [])
        replicaUrls.push({ key: svc.name, url: `${scheme(svc)}://127.0.0.1:${publicPort}` })
        continue
      }
      const backends: Backend[] = []
      for (let i = 0; i < replicas; i++) {
        const port = await freePort()
        const key = i === 0 ? svc.name : `${svc.name}#${i + 1}`
        backends.push({ host: '127.0.0.1', port })
        launch(svc, key, { ...env, [svc.portVar]: String(port) }, [])
        replicaUrls.push({ key, url: `${scheme(svc)}://127.0.0.1:${port}` })
      }
      const balancer = await startTcpBalancer({ port: publicPort, backends: () => backends })
      stops.push([`the ${svc.name} balancer`, () => balancer.close()])
    }
    // A parent that exits without stop() (an uncaught error) still takes its services along.
    const killChildren = () => { for (const c of children.values()) if (c.exitCode === null) c.kill('SIGKILL') }
    process.on('exit', killChildren)
    stops.push(['', async () => { process.off('exit', killChildren) }])
    const urls = SERVICES.map((svc) => ({ name: svc.name, url: `${scheme(svc)}://127.0.0.1:${env[svc.portVar] ?? svc.port}` }))
    await Promise.all(replicaUrls.map((u) => waitReady(`${u.url}/readyz`, children.get(u.key)!)))
    const manifestPath = join(opts.dataDir, 'addon-manifest.json')
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 })
    return { env, stack, sim, urls, manifest, manifestPath, drainCa, gatewayUrl: urls[0]!.url, dashboardUrl: urls[1]!.url, children, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
