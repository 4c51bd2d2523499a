// The dashboard service: Heroku SSO (protocol §10) and the customer dashboard of each add-on.
import type { FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import { connectionsFrom, createBaseApp, replicasPlugin } from '@addonkit/service-kit'
import { subjects } from '@addonkit/contracts'
import { KeyRing } from '@addonkit/secrets'
import type { DashboardConfig } from './config.js'
import sessionStore from './plugins/session-store.js'
import ssoNonces from './plugins/sso-nonces.js'
import { every } from './plugins/periodic-task.js'
import { FailureLimiter, type FailureLimit } from './sso/failure-limiter.js'
import type { SsoResult } from './sso/sso-login.js'
import { fastifyTrustProxy } from './trust-proxy.js'
import uiRoutes from './routes/ui.js'

export interface DashboardOptions {
  logStream?: NodeJS.WritableStream
  /** A session unused this long ends. Default 30 minutes. */
  sessionIdleMs?: number
  /** A session ends this long after sign-in. Default 12 hours. */
  sessionMaxAgeMs?: number
  /**
   * SSO requests that fail verification (bad or missing token, bad timestamp) allowed per
   * source address, in all across replicas (each allows its share, at least 30); more get 429.
   * Signed requests are never limited. Default 300 a minute.
   */
  ssoFailureLimit?: FailureLimit
  /** How long the overview waits for the allocator's usage answer. Default 1 s. */
  usageTimeoutMs?: number
  /** How often expired sessions and used SSO nonces are deleted. Default 1 minute. */
  housekeepingMs?: number
  /** How often the live tail sends a keep-alive comment and re-checks the session. Default 15 s. */
  tailHeartbeatMs?: number
}

export const DASHBOARD_DEFAULTS = {
  sessionIdleMs: 30 * 60_000,
  sessionMaxAgeMs: 12 * 3600_000,
  ssoFailureLimit: { max: 300, windowMs: 60_000 },
  usageTimeoutMs: 1000,
  housekeepingMs: 60_000,
  tailHeartbeatMs: 15_000
} as const

export async function buildApp (config: DashboardConfig, opts: DashboardOptions = {}): Promise<FastifyInstance> {
  const o = { ...DASHBOARD_DEFAULTS, ...opts }
  const app = await createBaseApp({
    name: 'dashboard',
    errorPrefix: 'DASH',
    ...connectionsFrom(config),
    logStream: o.logStream,
    fastify: { trustProxy: fastifyTrustProxy(config.trustProxy) }
  })
  await app.register(cookie, { secret: config.sessionSecret })
  await app.register(formbody)
  await app.register(sessionStore, { idleMs: o.sessionIdleMs, maxAgeMs: o.sessionMaxAgeMs, purgeEveryMs: o.housekeepingMs })
  await app.register(ssoNonces, { purgeEveryMs: o.housekeepingMs })

  await app.register(replicasPlugin, { subject: subjects.presence('dashboard') })
  const limiter = new FailureLimiter(o.ssoFailureLimit, () => app.replicaCount())
  const stopSweep = every(o.housekeepingMs, async () => limiter.sweep(), () => {})
  app.addHook('onClose', async () => { stopSweep() })

  // Secure follows each request's protocol (sessions/session-cookie.ts), not the public URL.
  const cookieSettings = { maxAgeMs: o.sessionMaxAgeMs }
  await app.register(uiRoutes, {
    addon: config.addon,
    keyRing: new KeyRing(config.encryptionKeys),
    usageTimeoutMs: o.usageTimeoutMs,
    tailHeartbeatMs: o.tailHeartbeatMs,
    oauth: { client: config.herokuOauthClient, idUrl: config.herokuIdUrl, apiUrl: config.herokuApiUrl, publicUrl: config.dashboardPublicUrl },
    sso: { salt: config.ssoSalt, sessions: app.sessions, limiter, cookie: cookieSettings, observe: ssoMetrics(app) }
  })
  return app
}

function ssoMetrics (app: FastifyInstance): (result: SsoResult) => void {
  const logins = app.metrics.counter({
    name: 'addonkit_sso_logins_total',
    help: 'SSO sign-ins from Heroku by result: success, rate_limited, or why it was refused (bad_token, stale, replay, unknown…).',
    labelNames: ['result']
  })
  return (result) => logins.inc({ result })
}
