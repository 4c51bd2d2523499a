// What the provisioning benchmarks share: PostgreSQL, nats-server and the Heroku
// simulator, gateway + allocator pairs as separate processes (as in production), and the
// requests Heroku sends. Targets 127.0.0.1 only.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startPostgresServer, startNatsServer, migrate, freePort, waitForPort } from '@addonkit/infra'
import { buildManifest, loadConfig } from '@addonkit/config'
import { testEnv } from '@addonkit/testkit'
import { startHerokuSim } from '@addonkit/heroku-sim'

function spawnService (specifier: string, env: Record<string, string>): ChildProcess {
  const file = fileURLToPath(import.meta.resolve(specifier))
  return spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
}

export async function startBenchStack () {
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-bench-'))
  const pg = await startPostgresServer({ dataDir: join(dir, 'pg'), persistent: false })
  await pg.ensureDatabase('bench')
  await migrate(pg.urlFor('bench'))
  const nats = await startNatsServer({ storeDir: join(dir, 'nats') })
  const env = testEnv({ DATABASE_URL: pg.urlFor('bench'), NATS_URL: nats.url, LOG_LEVEL: 'warn', DRAIN_PUBLIC_URL: 'https://drain.example.com' })
  const base = loadConfig(env, ['addonPassword', 'ssoSalt'])
  const manifest = buildManifest({ addon: base.addon, addonPassword: base.addonPassword, ssoSalt: base.ssoSalt, gatewayPublicUrl: 'https://gw.example.com', dashboardPublicUrl: 'https://d.example.com', gatewayTestUrl: 'http://127.0.0.1', dashboardTestUrl: 'http://127.0.0.1' })
  const sim = await startHerokuSim({ clientSecret: env.HEROKU_CLIENT_SECRET!, manifest })
  env.HEROKU_API_URL = sim.apiUrl
  env.HEROKU_ID_URL = sim.idUrl
  const children: ChildProcess[] = []

  const auth = 'Basic ' + Buffer.from(`${base.addon.id}:${base.addonPassword}`).toString('base64')
  const headers = { authorization: auth, 'content-type': 'application/json', accept: 'application/vnd.heroku-addons+json; version=3' }

  return {
    base,
    /** A gateway and an allocator with these settings on top; answers the gateway's URL and the allocator's port. */
    async startPair (extra: Record<string, string> = {}): Promise<{ gatewayUrl: string, allocatorPort: number }> {
      const gatewayPort = await freePort()
      const allocatorPort = await freePort()
      children.push(spawnService('@addonkit/allocator/server', { ...env, ...extra, ALLOCATOR_PORT: String(allocatorPort) }))
      children.push(spawnService('@addonkit/gateway/server', { ...env, ...extra, GATEWAY_PORT: String(gatewayPort) }))
      await waitForPort(gatewayPort, 60_000)
      await waitForPort(allocatorPort, 60_000)
      return { gatewayUrl: `http://127.0.0.1:${gatewayPort}`, allocatorPort }
    },
    /** A provision request as Heroku sends it, for an add-on the simulator knows. */
    newBody () {
      const uuid = randomUUID()
      sim.registerAddon(uuid, { plan: 'hobby' })
      return { uuid, name: `bench-${uuid.slice(0, 8)}`, plan: 'hobby', region: 'amazon-web-services::us-east-1', callback_url: `${sim.apiUrl}/addons/${uuid}`, oauth_grant: sim.issueGrant(uuid), options: {}, log_input_url: sim.logInputUrl(uuid), log_drain_token: `d.${randomUUID()}` }
    },
    headers,
    async post (url: string, body: unknown): Promise<boolean> {
      const r = await fetch(`${url}/heroku/resources`, { method: 'POST', headers, body: JSON.stringify(body) })
      await r.arrayBuffer()
      return r.status === 200 || r.status === 202
    },
    async close () {
      for (const c of children) c.kill('SIGTERM')
      await Promise.all(children.map((c) => c.exitCode !== null ? null : new Promise((resolve) => c.once('exit', resolve))))
      await sim.close()
      await nats.stop(); await pg.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
