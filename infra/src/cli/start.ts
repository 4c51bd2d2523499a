// `npm start`: the whole platform on embedded defaults. Starts PostgreSQL and nats-server
// (unless DATABASE_URL / NATS_URL name external ones), applies migrations, builds, starts
// the four services, writes .data/addon-manifest.json and prints every URL. Ctrl-C stops
// everything it started.
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildManifest, checkManifest, loadConfig } from '@addonkit/config'
import { startHerokuSim, type HerokuSim } from '@addonkit/heroku-sim'
import { startStack, migrate, turbo } from '../stack.js'
import { startPostgresServer } from '../postgres-server.js'
import { loadOrCreateSecrets } from '../secrets-file.js'
import { dataDir, repoRoot } from '../paths.js'

const log = (msg: string) => console.log(`[addonkit] ${msg}`)

const SERVICES = [
  { name: 'gateway', portVar: 'GATEWAY_PORT', port: 5000 },
  { name: 'dashboard', portVar: 'DASHBOARD_PORT', port: 5001 },
  { name: 'log-drain', portVar: 'DRAIN_PORT', port: 5002 },
  { name: 'allocator', portVar: 'ALLOCATOR_PORT', port: 5003 }
] as const

async function waitReady (url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the service exited with code ${child.exitCode}`)
    try { if ((await fetch(url)).status === 200) return } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000} s`)
}

/**
 * `heroku addons:open` for the simulated Heroku: each add-on that becomes provisioned gets
 * one line with its SSO page, which signs its owner in to the dashboard. The simulator
 * remembers the add-ons of this run only.
 */
function announceDashboards (sim: HerokuSim): void {
  const announced = new Set<string>()
  const timer = setInterval(() => {
    for (const addon of sim.addons.values()) {
      if (addon.state !== 'provisioned' || announced.has(addon.uuid)) continue
      announced.add(addon.uuid)
      log(`add-on ${addon.name} (${addon.plan}) is provisioned; open its dashboard: ${sim.webUrl(addon.uuid)}`)
    }
  }, 500)
  timer.unref()
}

async function main () {
  const started = Date.now()
  const secrets = loadOrCreateSecrets(dataDir, process.env)
  const stack = await startStack({
    dir: dataDir,
    databaseUrl: process.env.DATABASE_URL,
    natsUrl: process.env.NATS_URL,
    databaseName: 'addonkit',
    persistent: true,
    pgPort: Number(process.env.EMBEDDED_PG_PORT ?? 54329),
    natsPort: Number(process.env.EMBEDDED_NATS_PORT ?? 4222),
    log
  })
  const children: ChildProcess[] = []
  let stopSim: () => Promise<void> = async () => {}
  let stopResourcePg: () => Promise<void> = async () => {}
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    log('stopping')
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve()
      const timer = setTimeout(() => c.kill('SIGKILL'), 11_000)
      c.once('exit', () => { clearTimeout(timer); resolve() })
      c.kill('SIGTERM')
    })))
    await stopSim().catch(() => {})
    await stopResourcePg().catch(() => {})
    await stack.stop()
    log('stopped: nothing is left running')
    process.exit(code)
  }
  process.on('exit', () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL') })
  process.on('SIGINT', () => { void stop(0) })
  process.on('SIGTERM', () => { void stop(0) })
  try {
    log('applying migrations')
    await migrate(stack.databaseUrl)
    log('building')
    if (await turbo(['run', 'build', '--output-logs=errors-only']) !== 0) throw new Error('build failed')
    const env: NodeJS.ProcessEnv = { ...process.env, ...secrets, DATABASE_URL: stack.databaseUrl, NATS_URL: stack.natsUrl }
    const config = loadConfig(env, ['addonPassword', 'ssoSalt', 'gatewayPublicUrl', 'dashboardPublicUrl', 'gatewayPort', 'dashboardPort'])
    const manifest = buildManifest({
      addon: config.addon,
      addonPassword: config.addonPassword,
      ssoSalt: config.ssoSalt,
      gatewayPublicUrl: config.gatewayPublicUrl,
      dashboardPublicUrl: config.dashboardPublicUrl,
      gatewayTestUrl: `http://127.0.0.1:${config.gatewayPort}`,
      dashboardTestUrl: `http://127.0.0.1:${config.dashboardPort}`
    })
    // The `postgres` driver creates tenant databases on a cluster of their own, never on
    // the platform's server.
    if (!process.env.RESOURCE_PG_ADMIN_URL) {
      const resourcePg = await startPostgresServer({ dataDir: join(dataDir, 'resource-postgres'), port: Number(process.env.EMBEDDED_RESOURCE_PG_PORT ?? 54330), password: secrets.EMBEDDED_RESOURCE_PG_PASSWORD, persistent: true, log })
      stopResourcePg = () => resourcePg.stop()
      env.RESOURCE_PG_ADMIN_URL = resourcePg.adminUrl
    }
    // Locally, Heroku itself is the Heroku simulator unless HEROKU_API_URL names a real one.
    let sim: HerokuSim | undefined
    if (!process.env.HEROKU_API_URL) {
      sim = await startHerokuSim({ clientSecret: secrets.HEROKU_CLIENT_SECRET!, manifest, port: Number(process.env.HEROKU_SIM_PORT ?? 5010), control: true, plans: config.addon.plans.map((p) => p.slug) })
      stopSim = () => sim!.close()
      env.HEROKU_API_URL = sim.apiUrl
      env.HEROKU_ID_URL = sim.idUrl
      writeFileSync(join(dataDir, 'heroku-sim.json'), JSON.stringify({ url: sim.url }) + '\n')
    }
    for (const svc of SERVICES) {
      const child = spawn(process.execPath, [join(repoRoot, 'services', svc.name, 'dist', 'server.js')], { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true })
      child.on('exit', (code, signal) => { if (!stopping) { log(`${svc.name} exited (${code ?? signal}); stopping everything`); void stop(1) } })
      children.push(child)
    }
    const urls = SERVICES.map((svc) => ({ name: svc.name, url: `http://127.0.0.1:${env[svc.portVar] ?? svc.port}` }))
    await Promise.all(urls.map((u, i) => waitReady(`${u.url}/readyz`, children[i]!)))
    writeFileSync(join(dataDir, 'addon-manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 })
    const problems = checkManifest(manifest)
    console.log('')
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    for (const u of urls) log(`  ${u.name.padEnd(10)} ${u.url}   (health: ${u.url}/readyz)`)
    log(`  provisioning API  http://127.0.0.1:${config.gatewayPort}/heroku/resources`)
    log(`  SSO login         http://127.0.0.1:${config.dashboardPort}/sso/login`)
    log(`  PostgreSQL        ${stack.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`)
    log(`  NATS              ${stack.natsUrl}`)
    log(`  tenant databases  ${(env.RESOURCE_PG_ADMIN_URL ?? '').replace(/:[^:@/]*@/, ':***@')}`)
    log(`  Heroku            ${sim ? `simulator at ${sim.url} (npm run demo plays Heroku through it)` : env.HEROKU_API_URL}`)
    log(`  manifest          ${join(dataDir, 'addon-manifest.json')}`)
    if (problems.length) log(`  note: the production manifest needs: ${problems.join('; ')} (set GATEWAY_PUBLIC_URL / DASHBOARD_PUBLIC_URL to https URLs)`)
    if (sim) {
      log(`  check             npm run check -- --manifest ${join(dataDir, 'addon-manifest.json')}`)
      announceDashboards(sim)
    }
    log('Ctrl-C stops everything.')
  } catch (err) {
    console.error(`[addonkit] ${(err as Error).message}`)
    await stop(1)
  }
}

void main()
