// Builds the dashboard for a test on the platform harness (a fresh database, a private
// nats-server, the Heroku simulator), and makes add-on instances and SSO requests the way
// Heroku and the gateway would.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { boundedTeardown, startPlatform, LogCapture, type Teardown, type Platform, type PlatformOptions, type NatsServerHandle } from '@addonkit/testkit'
import type { Db, InstanceState } from '@addonkit/db'
import type { KeyRing } from '@addonkit/secrets'
import { storeResourceOutput } from '@addonkit/lifecycle'
import { buildApp, type DashboardOptions } from '../src/app.js'
import { loadDashboardConfig, type DashboardConfig } from '../src/config.js'
import { legacyToken, resourceToken, userScopedResourceToken } from '../src/sso/tokens.js'

export interface Base {
  env: Record<string, string>
  config: DashboardConfig
  db: Db
  keyRing: KeyRing
  nats: NatsServerHandle
  /** The platform harness this base stands on (@addonkit/testkit startPlatform). */
  platform: Platform
}

export interface Dash extends Base {
  app: FastifyInstance
  logs: LogCapture
}

/**
 * A database, a nats-server and the config every dashboard of this test shares, from the
 * platform harness; `services` adds in-process services (the stack's gateway and allocator).
 */
export async function startBase (t: Teardown, env: Record<string, string> = {}, opts: Pick<PlatformOptions, 'services' | 'oauthClient'> = {}): Promise<Base> {
  const platform = await startPlatform(t, { env: { LOG_LEVEL: 'info', ...env }, ...opts })
  const config = loadDashboardConfig(platform.env)
  return { env: platform.env, config, db: platform.db, keyRing: platform.keyRing, nats: platform.nats, platform }
}

export async function buildDashboard (t: Teardown, base: Base, opts: DashboardOptions = {}, configOverrides: Partial<DashboardConfig> = {}): Promise<Dash> {
  const logs = new LogCapture()
  const app = await buildApp({ ...base.config, ...configOverrides }, { logStream: logs, ...opts })
  await app.ready()
  boundedTeardown(t, 'close the dashboard app', () => app.close())
  return { ...base, app, logs }
}

export async function startDashboard (t: Teardown, opts: DashboardOptions = {}, env: Record<string, string> = {}): Promise<Dash> {
  return buildDashboard(t, await startBase(t, env), opts)
}

export interface InstanceInit {
  state?: InstanceState
  plan?: string
  name?: string
  config?: Record<string, string>
}

/** An add-on instance as the gateway and allocator leave it, config vars sealed. */
export async function createInstance (b: Base, init: InstanceInit = {}): Promise<string> {
  const uuid = randomUUID()
  await b.db.prisma.instance.create({
    data: { uuid, name: init.name ?? `addonkit-test-${uuid.slice(0, 8)}`, plan: init.plan ?? 'hobby', region: 'us', driver: 'logs', state: init.state ?? 'provisioned', provisionedAt: new Date() }
  })
  const config = init.config ?? { ADDONKIT_URL: `https://u${uuid.slice(0, 6)}:s3cr3t-${uuid.slice(-6)}@drain.example.com/v1` }
  await storeResourceOutput(b.db, b.keyRing, uuid, { config })
  return uuid
}

export const USER = { user_id: 'fedcba98-7654-3210-fedc-ba9876543210', email: 'dev@example.com' }

export type TokenKind = 'user_scoped' | 'resource' | 'legacy'

export interface SsoFormOptions {
  kind?: TokenKind
  /** Seconds relative to now (default 0). */
  age?: number
  salt?: string
  extra?: Record<string, string>
  app?: string
  user?: { user_id: string, email: string }
}

/**
 * Timestamps already used by forms of the default age. Heroku signs a fresh timestamp for
 * each sign-in, and the dashboard refuses a second sign-in with the same once-only key as a
 * replay (sso-params.ts, replayKeys): a user-scoped form's key is (add-on, timestamp, user),
 * a resource or legacy form's is (add-on, timestamp), which every form of the add-on claims
 * (these user-scoped forms carry a resource_token too, whose key they claim as a shadow).
 * Two sign-ins to one add-on within the same second (a fast machine runs subtests that
 * quickly) would otherwise get a 403, so a later form takes an earlier second.
 */
const usedTimestamps = new Map<string, Set<number>>()

/** The latest second at or before `at` not yet used under `avoid`; recorded under each key of `record`. */
function freshTimestamp (avoid: string, record: string[], at: number): number {
  while (usedTimestamps.get(avoid)?.has(at)) at--
  for (const k of record) { const used = usedTimestamps.get(k) ?? new Set<number>(); used.add(at); usedTimestamps.set(k, used) }
  return at
}

/** The fields Heroku posts to sso_url (protocol §10.2), signed with the configured salt. */
export function ssoForm (b: Base, uuid: string, o: SsoFormOptions = {}): Record<string, string> {
  const salt = o.salt ?? b.config.ssoSalt
  const kind = o.kind ?? 'user_scoped'
  const user = o.user ?? USER
  let at = Math.floor(Date.now() / 1000) - (o.age ?? 0)
  // A user-scoped form avoids its user's seconds; the others every second of the add-on.
  const userKey = `${uuid} ${user.user_id} ${user.email}`
  if (o.age === undefined) at = kind === 'user_scoped' ? freshTimestamp(userKey, [userKey, uuid], at) : freshTimestamp(uuid, [uuid], at)
  const ts = String(at)
  const common = { timestamp: ts, email: user.email, app: o.app ?? 'my-app', ...o.extra }
  if (kind === 'legacy') return { id: uuid, token: legacyToken(uuid, salt, ts), ...common }
  const v3 = { resource_id: uuid, resource_token: resourceToken(uuid, salt, ts), user_id: user.user_id, context_app: o.app ?? 'my-app', ...common }
  if (kind === 'resource') return v3
  return { ...v3, user_scoped_resource_token: userScopedResourceToken(uuid, salt, ts, user.user_id, user.email) }
}

export function formBody (fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString()
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** Posts the SSO form; returns the response and the session cookie value if one was set. */
export async function postSso (app: FastifyInstance, fields: Record<string, string>, remoteAddress = '127.0.0.1'): Promise<{ res: LightMyRequestResponse, cookie?: LightMyRequestResponse['cookies'][number] }> {
  const res = await app.inject({ method: 'POST', url: '/sso/login', headers: FORM, payload: formBody(fields), remoteAddress })
  const cookie = res.cookies.find((c) => c.name === 'addonkit_session')
  return { res, cookie }
}

/** Signs in to one add-on and returns the cookie to send with later requests. */
export async function signIn (d: Dash, uuid: string, o: SsoFormOptions = {}): Promise<Record<string, string>> {
  const { res, cookie } = await postSso(d.app, ssoForm(d, uuid, o))
  if (res.statusCode !== 303 || !cookie) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 200)}`)
  return { addonkit_session: cookie.value }
}

/** The CSRF token of the forms on a page. */
export function csrfOf (html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!m) throw new Error('no CSRF field on the page')
  return m[1]!
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
