// `npm start`: the whole platform on embedded defaults (platform.ts, with the built
// services), .data/addon-manifest.json, every URL printed, and each provisioned add-on's
// dashboard link. A service that crashes is restarted (after a crash loop it is left
// stopped, the others keep running). Ctrl-C stops everything it started, saying what it
// waits for; whatever else ends it, even SIGKILL, the reaper stops what it started.
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { checkManifest } from '@addonkit/config'
import type { HerokuSim } from '@addonkit/heroku-sim'
import { startPlatform, type Platform } from '../platform.js'
import { loadOrCreateSecrets } from '../secrets-file.js'
import { dataDir } from '../paths.js'

const log = (msg: string) => console.log(`[addonkit] ${msg}`)

const USAGE = `usage: npm start [-- --replicas N] [--nats-cluster N]
  --replicas N       N processes of each service behind a load balancer on its port (1-8)
  --nats-cluster N   N nats-servers as one JetStream cluster; 3 or more keeps every stream on 3 (1-7)`

/** `npm start -- --replicas 2 --nats-cluster 3`: the topology options. */
function options (): { natsCluster: number, replicas: number } {
  let values: { 'nats-cluster'?: string, replicas?: string, help?: boolean }
  try {
    values = parseArgs({ options: { 'nats-cluster': { type: 'string' }, replicas: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values
  } catch (err) {
    console.error(`[addonkit] ${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  if (values.help) { console.log(USAGE); process.exit(0) }
  const count = (flag: 'nats-cluster' | 'replicas', max: number): number => {
    const raw = values[flag]
    const n = raw === undefined ? 1 : Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > max) {
      console.error(`[addonkit] --${flag} must be a whole number from 1 to ${max}, got "${raw}"\n${USAGE}`)
      process.exit(2)
    }
    return n
  }
  return { natsCluster: count('nats-cluster', 7), replicas: count('replicas', 8) }
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
  const { natsCluster, replicas } = options()
  const started = Date.now()
  let platform: Platform | undefined
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    log('stopping')
    const started = Date.now()
    await platform?.stop((what) => log(`still stopping (${Math.round((Date.now() - started) / 1000)} s): waiting for ${what}`))
    log('stopped: nothing is left running')
    process.exit(code)
  }
  process.on('SIGINT', () => { void stop(0) })
  process.on('SIGTERM', () => { void stop(0) })
  try {
    platform = await startPlatform({
      dataDir,
      env: process.env,
      secrets: loadOrCreateSecrets(dataDir, process.env),
      log,
      services: 'dist',
      persistent: true,
      natsCluster,
      replicas,
      onServiceEvent: (e) => {
        if (e.kind === 'exited') log(`${e.name} exited (${e.code ?? e.signal}); restarting it${e.restartInMs ? ` in ${Math.round(e.restartInMs / 1000)} s` : ''} (${e.crashesInWindow} exit(s) in the last minute); the other services keep running`)
        else if (e.kind === 'restarted') log(`${e.name} restarted (pid ${e.pid})`)
        else log(`${e.name} exited (${e.code ?? e.signal}) ${e.crashesInWindow} times within a minute: not restarting it again; the other services keep running. Its output is above; Ctrl-C stops everything`)
      }
    })
  } catch (err) {
    console.error(`[addonkit] ${(err as Error).message}`)
    return stop(1)
  }
  const { sim, urls, env, stack, manifest } = platform
  const problems = checkManifest(manifest)
  console.log('')
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  for (const u of urls) log(`  ${u.name.padEnd(10)} ${u.url}   (health: ${u.url}/readyz)`)
  log(`  provisioning API  ${platform.gatewayUrl}/heroku/resources`)
  log(`  SSO login         ${platform.dashboardUrl}/sso/login`)
  log(`  PostgreSQL        ${stack.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`)
  log(`  NATS              ${stack.natsUrl}`)
  log(`  tenant databases  ${(env.RESOURCE_PG_ADMIN_URL ?? '').replace(/:[^:@/]*@/, ':***@')}`)
  log(`  Heroku            ${sim ? `simulator at ${sim.url} (npm run demo plays Heroku through it)` : env.HEROKU_API_URL}`)
  log(`  manifest          ${platform.manifestPath}`)
  if (problems.length) log(`  note: the production manifest needs: ${problems.join('; ')} (set GATEWAY_PUBLIC_URL / DASHBOARD_PUBLIC_URL to https URLs)`)
  if (sim) {
    log(`  check             npm run check -- --manifest ${join(dataDir, 'addon-manifest.json')}`)
    announceDashboards(sim)
  }
  log('Ctrl-C stops everything.')
}

void main()
