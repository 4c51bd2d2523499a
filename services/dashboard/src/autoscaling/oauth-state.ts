// The `state` of "Connect Heroku account" (OAuth 2.0 authorization code flow, RFC 6749
// §10.12: the CSRF check of the redirect back). The dashboard may run as several replicas,
// so the state is not kept in memory: it travels in a cookie signed with SESSION_SECRET,
// HttpOnly, SameSite=Lax (sent on Heroku's top-level redirect back), scoped to
// /dashboard/oauth and short-lived, holding the random state, the add-on and the SHA-256 of
// the session id. The callback accepts an answer only when its `state` equals the cookie's,
// and only once (the state is claimed in dashboard_sso_nonces, by any replica).
import type { FastifyReply, FastifyRequest } from 'fastify'
import { randomSecret, safeEqual, sha256Hex } from '@addonkit/secrets'

export const OAUTH_STATE_COOKIE = 'addonkit_oauth_state'
export const OAUTH_PATH = '/dashboard/oauth'
export const OAUTH_CALLBACK_PATH = `${OAUTH_PATH}/callback`
/** Time to approve on Heroku (it asks the user to sign in first, then to allow). */
export const OAUTH_STATE_TTL_MS = 10 * 60_000

export interface OAuthState {
  state: string
  instanceUuid: string
  /** SHA-256 of the session id that started the flow (dashboard_sessions keeps the same hash). */
  sessionHash: string
  expiresAt: number
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const STATE = /^[A-Za-z0-9_-]{43}$/
const HASH = /^[0-9a-f]{64}$/

/** Starts a flow: sets the cookie and returns the state to send to Heroku. */
export function startOAuthState (reply: FastifyReply, instanceUuid: string, sessionId: string, now = Date.now()): string {
  const state = randomSecret(32)
  const expiresAt = now + OAUTH_STATE_TTL_MS
  reply.setCookie(OAUTH_STATE_COOKIE, [state, instanceUuid, sha256Hex(sessionId), String(expiresAt)].join('.'), {
    signed: true,
    httpOnly: true,
    secure: reply.request.protocol === 'https',
    sameSite: 'lax',
    path: OAUTH_PATH,
    maxAge: Math.floor(OAUTH_STATE_TTL_MS / 1000)
  })
  return state
}

/** The flow this browser started, if its cookie is intact, unexpired and names `presented` as its state. */
export function matchOAuthState (req: FastifyRequest, presented: string | undefined, now = Date.now()): OAuthState | null {
  const raw = req.cookies[OAUTH_STATE_COOKIE]
  if (!raw || !presented) return null
  const r = req.unsignCookie(raw)
  if (!r.valid || !r.value) return null
  const [state, instanceUuid, sessionHash, exp, ...rest] = r.value.split('.')
  if (rest.length || !state || !instanceUuid || !sessionHash || !exp) return null
  if (!STATE.test(state) || !UUID.test(instanceUuid) || !HASH.test(sessionHash)) return null
  const expiresAt = Number(exp)
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return null
  if (!safeEqual(presented, state)) return null
  return { state, instanceUuid, sessionHash, expiresAt }
}

export function clearOAuthState (reply: FastifyReply): void {
  reply.clearCookie(OAUTH_STATE_COOKIE, { httpOnly: true, secure: reply.request.protocol === 'https', sameSite: 'lax', path: OAUTH_PATH })
}

/** The key under which a used state is remembered (hashed again by the nonce store). */
export const usedStateKey = (s: OAuthState) => `oauth-state:${s.state}`
