// What the provisioning benchmarks share, from the platform harness (@addonkit/testkit
// startPlatform): PostgreSQL, nats-server and the Heroku simulator, gateway + allocator
// pairs as separate processes (as in production), and the requests Heroku sends. Targets
// 127.0.0.1 only.
import { randomUUID } from 'node:crypto'
import { ownPostgres, freePort, waitForPort } from '@addonkit/infra'
import { startPlatform, teardownList } from '@addonkit/testkit'
import { HEROKU_PARTNER_HEADERS, herokuBasicAuth } from '@addonkit/heroku-sim'
import { service as allocator } from '@addonkit/allocator'
import { service as gateway } from '../src/index.js'

export async function startBenchStack () {
  const t = teardownList()
  // fsync off, as every provisioning figure so far was measured (bench/RESULTS.md).
  await ownPostgres(t, { durable: false })
  const p = await startPlatform(t, { env: { LOG_LEVEL: 'warn', DRAIN_PUBLIC_URL: 'https://drain.example.com' } })
  const { sim } = p
  // Exactly the headers Heroku sends on every verb (protocol §3), as the simulator spells them.
  const headers = { ...HEROKU_PARTNER_HEADERS, Authorization: herokuBasicAuth(p.addon.id, p.addonPassword) }

  return {
    base: { addon: p.addon, addonPassword: p.addonPassword, ssoSalt: p.ssoSalt },
    /** A gateway and an allocator with these settings on top; answers the gateway's URL and the allocator's port. */
    async startPair (extra: Record<string, string> = {}): Promise<{ gatewayUrl: string, allocatorPort: number }> {
      const gatewayPort = await freePort()
      const allocatorPort = await freePort()
      p.spawn(allocator, { ...extra, ALLOCATOR_PORT: String(allocatorPort) }, { stdio: 'ignore' })
      p.spawn(gateway, { ...extra, GATEWAY_PORT: String(gatewayPort) }, { stdio: 'ignore' })
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
    async post (url: string, body: unknown): Promise<boolean> {
      const r = await fetch(`${url}/heroku/resources`, { method: 'POST', headers, body: JSON.stringify(body) })
      await r.arrayBuffer()
      return r.status === 200 || r.status === 202
    },
    close: () => t.run()
  }
}
