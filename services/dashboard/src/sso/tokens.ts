// Heroku SSO token formulas (protocol §10.2–§10.3). Tokens are computed from the raw posted
// strings (never a re-formatted timestamp) and compared in constant time.
import { digestHex as hex, sameDigest as sameToken } from '@addonkit/secrets'

/** v3, recommended since Feb 2026: sha256(resource_id:salt:timestamp:user_id:email). */
export function userScopedResourceToken (resourceId: string, salt: string, timestamp: string, userId: string, email: string): string {
  return hex('sha256', `${resourceId}:${salt}:${timestamp}:${userId}:${email}`)
}

/** v3: sha1(resource_id:salt:timestamp). */
export function resourceToken (resourceId: string, salt: string, timestamp: string): string {
  return hex('sha1', `${resourceId}:${salt}:${timestamp}`)
}

/** Legacy v1: sha1(id:salt:timestamp), over the provider id `id` (ours equal the uuid). */
export const legacyToken = resourceToken

export interface SsoParams {
  resource_id?: string
  id?: string
  timestamp?: string
  resource_token?: string
  user_scoped_resource_token?: string
  token?: string
  user_id?: string
  email?: string
}

/** A token of the form that checked out, and the add-on it was signed over. */
export interface SignedToken { method: 'resource_token' | 'token', resourceId: string }

/**
 * A request whose token checked out, with what the check established: which token matched,
 * the add-on it names and, for the user-scoped one, the user it names. `timestamp` is the raw
 * posted string. `otherTokens` are the form's other valid tokens, of lower precedence than
 * the one that matched: a replay that strips the matched token would present one of them
 * (sso-params.ts replayKeys claims their keys too).
 */
export type SsoVerified = { ok: true, resourceId: string, timestamp: string, otherTokens: SignedToken[] } & (
  | { method: 'user_scoped_resource_token', userId: string, email: string }
  | { method: 'resource_token' | 'token', userId: string | null, email: string | null }
)

export type SsoVerdict =
  | SsoVerified
  | { ok: false, reason: 'missing' | 'bad-token' | 'stale' | 'future' | 'bad-timestamp' }

/**
 * Checks a token and its freshness: at most 5 minutes old and at most 1 minute ahead
 * (kensa sends a 6-minute-old token and expects 403; protocol §10.3). The tokens in order of
 * precedence: user-scoped, resource, legacy. Each is checked over the field it is signed
 * over (protocol §10.2): the v3 tokens over `resource_id` (the user-scoped one over `id`
 * when there is no `resource_id`, as before), the legacy v1 `token` over `id`, our provider
 * id (which is the add-on's uuid), or over `resource_id` when there is no `id`. The sign-in
 * opens the add-on the matched token names.
 */
export function verifySso (p: SsoParams, salt: string, nowSeconds = Math.floor(Date.now() / 1000)): SsoVerdict {
  const v3Id = p.resource_id ?? p.id
  const ts = p.timestamp
  if (!v3Id || !ts) return { ok: false, reason: 'missing' }
  const v1Id = p.id ?? v3Id
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad-timestamp' }
  const signed: SignedToken[] = []
  if (p.resource_token && p.resource_id && sameToken(resourceToken(p.resource_id, salt, ts), p.resource_token.toLowerCase())) signed.push({ method: 'resource_token', resourceId: p.resource_id })
  if (p.token && sameToken(legacyToken(v1Id, salt, ts), p.token.toLowerCase())) signed.push({ method: 'token', resourceId: v1Id })
  let verified: SsoVerified | null = null
  if (p.user_scoped_resource_token && p.user_id !== undefined && p.email !== undefined &&
      sameToken(userScopedResourceToken(v3Id, salt, ts, p.user_id, p.email), p.user_scoped_resource_token.toLowerCase())) {
    verified = { ok: true, resourceId: v3Id, timestamp: ts, otherTokens: signed, method: 'user_scoped_resource_token', userId: p.user_id, email: p.email }
  } else if (signed[0]) {
    const [first, ...rest] = signed
    verified = { ok: true, resourceId: first.resourceId, timestamp: ts, otherTokens: rest, method: first.method, userId: p.user_id ?? null, email: p.email ?? null }
  }
  if (!verified) return { ok: false, reason: p.user_scoped_resource_token || p.resource_token || p.token ? 'bad-token' : 'missing' }
  const t = Number(ts)
  if (t < nowSeconds - 300) return { ok: false, reason: 'stale' }
  if (t > nowSeconds + 60) return { ok: false, reason: 'future' }
  return verified
}
