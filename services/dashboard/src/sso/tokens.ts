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

/** Legacy v1: sha1(id:salt:timestamp), with the provider id (our ids equal the uuid). */
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

/**
 * A request whose token checked out, with what the check established: which token matched
 * and, for the user-scoped one, the user it names. `timestamp` is the raw posted string.
 */
export type SsoVerified = { ok: true, resourceId: string, timestamp: string } & (
  | { method: 'user_scoped_resource_token', userId: string, email: string }
  | { method: 'resource_token' | 'token', userId: string | null, email: string | null }
)

export type SsoVerdict =
  | SsoVerified
  | { ok: false, reason: 'missing' | 'bad-token' | 'stale' | 'future' | 'bad-timestamp' }

/**
 * Checks a token and its freshness: at most 5 minutes old and at most 1 minute ahead
 * (kensa sends a 6-minute-old token and expects 403; protocol §10.3).
 */
export function verifySso (p: SsoParams, salt: string, nowSeconds = Math.floor(Date.now() / 1000)): SsoVerdict {
  const resourceId = p.resource_id ?? p.id
  const ts = p.timestamp
  if (!resourceId || !ts) return { ok: false, reason: 'missing' }
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad-timestamp' }
  let verified: SsoVerified | null = null
  if (p.user_scoped_resource_token && p.user_id !== undefined && p.email !== undefined &&
      sameToken(userScopedResourceToken(resourceId, salt, ts, p.user_id, p.email), p.user_scoped_resource_token.toLowerCase())) {
    verified = { ok: true, resourceId, timestamp: ts, method: 'user_scoped_resource_token', userId: p.user_id, email: p.email }
  } else if (p.resource_token && p.resource_id && sameToken(resourceToken(resourceId, salt, ts), p.resource_token.toLowerCase())) {
    verified = { ok: true, resourceId, timestamp: ts, method: 'resource_token', userId: p.user_id ?? null, email: p.email ?? null }
  } else if (p.token && sameToken(legacyToken(resourceId, salt, ts), p.token.toLowerCase())) {
    verified = { ok: true, resourceId, timestamp: ts, method: 'token', userId: p.user_id ?? null, email: p.email ?? null }
  }
  if (!verified) return { ok: false, reason: p.user_scoped_resource_token || p.resource_token || p.token ? 'bad-token' : 'missing' }
  const t = Number(ts)
  if (t < nowSeconds - 300) return { ok: false, reason: 'stale' }
  if (t > nowSeconds + 60) return { ok: false, reason: 'future' }
  return verified
}
