// Heroku's SSO token formulas (protocol §10.2, test vectors in §10.4), lower-case hex:
// resource_token = sha1("{resource_id}:{salt}:{timestamp}"), the user-scoped token
// sha256("{resource_id}:{salt}:{timestamp}:{user_id}:{email}"), and the legacy v1 token
// sha1("{id}:{salt}:{timestamp}"), which is the same formula over the provider id.
import { createHash } from 'node:crypto'

export function resourceToken (resourceId: string, salt: string, timestamp: string): string {
  return createHash('sha1').update(`${resourceId}:${salt}:${timestamp}`).digest('hex')
}

export function userScopedResourceToken (resourceId: string, salt: string, timestamp: string, userId: string, email: string): string {
  return createHash('sha256').update(`${resourceId}:${salt}:${timestamp}:${userId}:${email}`).digest('hex')
}

/** The v1 `token` (kensa's SSO check): the resource-token formula over the provider `id`. */
export const legacyToken = resourceToken
