// The stack for the browser tests, from the platform harness: a database, a nats-server, the
// Heroku simulator, the gateway and the allocator in-process, and dashboards listening on
// real ports. Add-ons are provisioned the way Heroku does it: a Partner API request to the
// gateway, completed by the allocator against the simulator. The simulator's
// id.heroku.com knows our OAuth client (HEROKU_OAUTH_ID / HEROKU_OAUTH_SECRET) with each
// dashboard's callback, so "Connect Heroku account" goes there and back.
import type { FastifyInstance } from 'fastify'
import type { LogCapture, Teardown } from '@addonkit/testkit'
import type { HerokuSim } from '@addonkit/heroku-sim'
import { service as gateway } from '@addonkit/gateway'
import { service as allocator } from '@addonkit/allocator'
import { freePort } from '@addonkit/infra'
import type { DashboardOptions } from '../src/app.js'
import { loadDashboardConfig } from '../src/config.js'
import { buildDashboard, startBase, type Base, type Dash } from './helper.js'

export interface Stack extends Base {
  sim: HerokuSim
  allocator: FastifyInstance
  logs: LogCapture
  /** Starts a dashboard on a free port; returns it with its base URL. */
  dashboard (opts?: DashboardOptions): Promise<Dash & { url: string }>
  /** Provisions an add-on end to end (Heroku → gateway → allocator ↔ simulator) and waits until it is provisioned. */
  provision (plan?: string): Promise<string>
}

export async function startStack (t: Teardown): Promise<Stack> {
  const base = await startBase(t, { OPERATION_SWEEP_MS: '200', OPERATION_LEASE_MS: '3000' }, { services: [gateway, allocator], oauthClient: true })
  const { platform } = base
  const oauth = platform.oauth!
  return {
    ...base, sim: platform.sim, allocator: platform.apps.allocator, logs: platform.logs,
    async dashboard (opts = {}) {
      // The port is chosen first: the public URL (and so the OAuth callback) names it.
      const port = await freePort()
      const publicUrl = `http://127.0.0.1:${port}`
      oauth.redirectUris.push(`${publicUrl}/dashboard/oauth/callback`)
      platform.sim.setOAuthClient(oauth)
      const d = await buildDashboard(t, base, opts, loadDashboardConfig({ ...base.env, DASHBOARD_PUBLIC_URL: publicUrl }))
      const url = await d.app.listen({ port, host: '127.0.0.1' })
      return { ...d, url }
    },
    provision: (plan = 'hobby') => platform.provision(plan)
  }
}
