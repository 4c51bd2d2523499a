// The stack for the browser tests: a database, a nats-server, the Heroku simulator, the
// allocator in-process and the dashboard listening on a real port. Instances are provisioned
// the way Heroku and the gateway leave them for the allocator (an outbox row, a sealed
// OAuth grant, a 202 answer), so the allocator completes them against the simulator. The
// simulator's id.heroku.com knows our OAuth client (HEROKU_OAUTH_ID / HEROKU_OAUTH_SECRET)
// with each dashboard's callback, so "Connect Heroku account" goes there and back.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { LogCapture, eventually, type Teardown } from '@addonkit/testkit'
import { startHerokuSim, type HerokuSim } from '@addonkit/heroku-sim'
import { buildManifest } from '@addonkit/config'
import { asyncProvisionBody, decideOnce, enqueueOperation, sealGrantCode, wakeAllocator } from '@addonkit/lifecycle'
import { buildApp as buildAllocator, loadAllocatorConfig } from '@addonkit/allocator'
import { freePort } from '@addonkit/infra'
import { randomSecret } from '@addonkit/secrets'
import type { DashboardOptions } from '../src/app.js'
import { loadDashboardConfig } from '../src/config.js'
import { buildDashboard, startBase, type Base, type Dash } from './helper.js'

export interface Stack extends Base {
  sim: HerokuSim
  allocator: FastifyInstance
  logs: LogCapture
  /** Starts a dashboard on a free port; returns it with its base URL. */
  dashboard (opts?: DashboardOptions): Promise<Dash & { url: string }>
  /** Provisions an add-on end to end (allocator ↔ simulator) and waits until it is provisioned. */
  provision (plan?: string): Promise<string>
}

export async function startStack (t: Teardown): Promise<Stack> {
  const base = await startBase(t, { OPERATION_SWEEP_MS: '200', OPERATION_LEASE_MS: '3000', SYNC_BUDGET_MS: '0' })
  const { env, config } = base
  const manifest = buildManifest({ addon: config.addon, addonPassword: 'unused-password', ssoSalt: config.ssoSalt, gatewayPublicUrl: 'https://gw.example.com', dashboardPublicUrl: 'https://dash.example.com', gatewayTestUrl: 'http://127.0.0.1', dashboardTestUrl: 'http://127.0.0.1' })
  const oauth = { id: 'addonkit-autoscaling', secret: randomSecret(24), redirectUris: [] as string[] }
  const sim = await startHerokuSim({ clientSecret: env.HEROKU_CLIENT_SECRET!, manifest, oauthClient: oauth })
  t.teardown(() => sim.close())
  env.HEROKU_API_URL = sim.apiUrl
  env.HEROKU_ID_URL = sim.idUrl
  env.HEROKU_OAUTH_ID = oauth.id
  env.HEROKU_OAUTH_SECRET = oauth.secret
  const logs = new LogCapture()
  const allocator = await buildAllocator(loadAllocatorConfig(env), { logStream: logs })
  await allocator.ready()
  t.teardown(() => allocator.close())

  return {
    ...base, sim, allocator, logs,
    async dashboard (opts = {}) {
      // The port is chosen first: the public URL (and so the OAuth callback) names it.
      const port = await freePort()
      const publicUrl = `http://127.0.0.1:${port}`
      oauth.redirectUris.push(`${publicUrl}/dashboard/oauth/callback`)
      sim.setOAuthClient(oauth)
      const d = await buildDashboard(t, base, opts, loadDashboardConfig({ ...env, DASHBOARD_PUBLIC_URL: publicUrl }))
      const url = await d.app.listen({ port, host: '127.0.0.1' })
      return { ...d, url }
    },
    async provision (plan = 'hobby') {
      const uuid = randomUUID()
      const addon = sim.registerAddon(uuid, { plan })
      const grant = sim.issueGrant(uuid)
      const { db, keyRing } = base
      const op = await db.prisma.$transaction(async (tx) => {
        // Heroku's provision request carries the Logplex drain token (protocol §11.1).
        await tx.instance.create({ data: { uuid, name: addon.name, plan, region: 'us', driver: 'logs', state: 'provisioning', logDrainToken: `d.${uuid}`, callbackUrl: `${sim.apiUrl}/addons/${uuid}` } })
        await tx.oAuthToken.create({ data: { instanceUuid: uuid, grantCodeEnc: sealGrantCode(keyRing, uuid, grant.code), grantExpiresAt: new Date(grant.expires_at) } })
        return enqueueOperation(tx, uuid, 'provision')
      })
      // The gateway answered Heroku 202: the allocator pushes the config and reports provisioned.
      await decideOnce(db, keyRing, uuid, { status: 202, body: asyncProvisionBody(uuid, config.addon.name) })
      wakeAllocator(allocator.nats, op)
      await eventually(async () => sim.addons.get(uuid)?.state === 'provisioned' &&
        (await db.prisma.instance.findUnique({ where: { uuid } }))?.state === 'provisioned', 15_000)
      return uuid
    }
  }
}
