// One SSO sign-in (protocol §10.3), shared by the v3 form POST and the legacy v1 GET: verify
// the token and its freshness (a request that fails is refused with 403, or 429 when its
// address is over the failure limit), require an add-on that is provisioned (or still
// provisioning), accept the signed request only once, then start a session and send the
// browser to the add-on's dashboard with Heroku's extras. The last three are one SQL
// statement, one round trip, shared with the sign-ins that arrive meanwhile
// (SessionStore.signInOnce says why). The failure limit applies only to requests that fail
// verification, and only they count towards it: a correctly signed request always gets its
// answer (a conformance suite's bad requests from one address must not lock out its good
// ones), and one cannot be guessed, so it is nothing the limit has to slow down.
import type { FastifyBaseLogger, FastifyReply } from 'fastify'
import { SsoRateLimited, SsoRefused } from '../errors.js'
import type { SessionStore } from '../plugins/session-store.js'
import { dashboardPath, setNavDataCookie, setSessionCookie, type CookieSettings } from '../sessions/session-cookie.js'
import type { FailureLimiter } from './failure-limiter.js'
import { replayKeys } from './sso-params.js'
import { verifySso, type SsoParams } from './tokens.js'

export interface SsoLoginDeps {
  salt: string
  sessions: SessionStore
  limiter: FailureLimiter
  cookie: CookieSettings
  /** Told each sign-in's result: success, rate_limited or the refusal's reason (metrics). */
  observe?: (result: SsoResult) => void
}

export interface SsoAttempt {
  /** null when the request was malformed (a known field repeated or not text). */
  params: (SsoParams & { app?: string, 'nav-data'?: string }) | null
  extras: Array<[string, string]>
  ip: string
  via: 'post' | 'legacy-get'
  log: FastifyBaseLogger
}

/** A sign-in's result as metrics count it (the Failure names, with underscores). */
export type SsoResult = 'success' | 'rate_limited' | 'malformed' | 'missing' | 'bad_token' | 'bad_timestamp' | 'stale' | 'future' | 'unknown' | 'unavailable' | 'replay'

type Failure = 'malformed' | 'missing' | 'bad-token' | 'bad-timestamp' | 'stale' | 'future' | 'unknown' | 'unavailable' | 'replay'

const MESSAGES: Record<Failure, string> = {
  malformed: 'The sign-in request from Heroku was malformed.',
  missing: 'The sign-in request is incomplete: it must come from Heroku.',
  'bad-token': 'The sign-in request could not be verified.',
  'bad-timestamp': 'The sign-in request could not be verified.',
  stale: 'The sign-in request has expired: each one is valid for 5 minutes.',
  future: 'The sign-in request is dated in the future, so it cannot be accepted.',
  unknown: 'This add-on does not exist here.',
  unavailable: 'This add-on is no longer available: it has been removed or could not be created.',
  replay: 'This sign-in request has already been used. Each sign-in from Heroku works once.'
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** How long a claimed request is remembered: past the 5-minute window plus skew. */
const NONCE_TTL_MS = 10 * 60_000

export async function ssoLogin (deps: SsoLoginDeps, a: SsoAttempt, reply: FastifyReply): Promise<string> {
  const fail = (reason: Failure, resourceId?: string): never => {
    deps.observe?.(reason.replace('-', '_') as SsoResult)
    a.log.warn({ sso: reason, ip: a.ip, via: a.via, resourceId }, 'SSO refused')
    throw Object.assign(new SsoRefused(MESSAGES[reason]), { app: a.params?.app })
  }
  // A request that does not verify: 429 while its address is over the limit (not counted
  // again), else counted and refused with 403.
  const unverified = (reason: Failure, resourceId?: string): never => {
    const wait = deps.limiter.retryAfterMs(a.ip)
    if (wait > 0) {
      a.log.warn({ sso: 'rate-limited', reason, ip: a.ip, via: a.via, resourceId }, 'SSO refused: too many failures from this address')
      reply.header('retry-after', String(Math.ceil(wait / 1000)))
      deps.observe?.('rate_limited')
      throw new SsoRateLimited()
    }
    deps.limiter.record(a.ip)
    return fail(reason, resourceId)
  }
  if (!a.params) return unverified('malformed')
  const verdict = verifySso(a.params, deps.salt)
  if (!verdict.ok) return unverified(verdict.reason, a.params.resource_id ?? a.params.id)
  // Signed and fresh: from here on, never limited.
  const uuid = verdict.resourceId
  if (!UUID.test(uuid)) return fail('unknown', uuid)
  const ts = Number(a.params.timestamp) * 1000
  const outcome = await deps.sessions.signInOnce({
    instanceUuid: uuid.toLowerCase(),
    keys: replayKeys(verdict),
    claimUntil: new Date(Math.max(ts, Date.now()) + NONCE_TTL_MS),
    userId: verdict.userId,
    email: verdict.email,
    app: a.params.app ?? null
  })
  if (!outcome.ok) return fail(outcome.reason, uuid)
  const open = outcome.instanceUuid
  setSessionCookie(reply, open, outcome.id, deps.cookie)
  setNavDataCookie(reply, a.params['nav-data'], deps.cookie)
  deps.observe?.('success')
  a.log.info({ sso: 'ok', via: a.via, method: verdict.method, resourceId: open }, 'SSO sign-in')
  const query = a.extras.length ? `?${new URLSearchParams(a.extras).toString()}` : ''
  return dashboardPath(open) + query
}
