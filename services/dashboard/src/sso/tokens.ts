// Heroku SSO token formulas (spec §10.2–§10.3). Tokens are computed from the raw posted
// strings (never a re-formatted timestamp) and compared in constant time.
import { createHash } from 'node:crypto'
import { safeEqual } from '@addonkit/secrets'

const hex = (algo: 'sha1' | 'sha256', s: string) => createHash(algo).update(s, 'utf8').digest('hex')

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

export type SsoVerdict =
  | { ok: true, resourceId: string, userId: string | null, email: string | null, method: 'user_scoped_resource_token' | 'resource_token' | 'token' }
  | { ok: false, reason: 'missing' | 'bad-token' | 'stale' | 'future' | 'bad-timestamp' }

/**
 * Checks a token and its freshness: at most 5 minutes old and at most 1 minute ahead
 * (kensa sends a 6-minute-old token and expects 403; spec §10.3).
 */
export function verifySso (p: SsoParams, salt: string, nowSeconds = Math.floor(Date.now() / 1000)): SsoVerdict {
  const resourceId = p.resource_id ?? p.id
  const ts = p.timestamp
  if (!resourceId || !ts) return { ok: false, reason: 'missing' }
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad-timestamp' }
  let method: 'user_scoped_resource_token' | 'resource_token' | 'token' | null = null
  if (p.user_scoped_resource_token && p.user_id !== undefined && p.email !== undefined &&
      safeEqual(userScopedResourceToken(resourceId, salt, ts, p.user_id, p.email), p.user_scoped_resource_token.toLowerCase())) method = 'user_scoped_resource_token'
  else if (p.resource_token && p.resource_id && safeEqual(resourceToken(resourceId, salt, ts), p.resource_token.toLowerCase())) method = 'resource_token'
  else if (p.token && safeEqual(legacyToken(resourceId, salt, ts), p.token.toLowerCase())) method = 'token'
  if (!method) return { ok: false, reason: p.user_scoped_resource_token || p.resource_token || p.token ? 'bad-token' : 'missing' }
  const t = Number(ts)
  if (t < nowSeconds - 300) return { ok: false, reason: 'stale' }
  if (t > nowSeconds + 60) return { ok: false, reason: 'future' }
  return { ok: true, resourceId, userId: p.user_id ?? null, email: p.email ?? null, method }
}
