// Authentication of the add-on's data API: HTTP Basic with the user and password of the
// <PREFIX>_URL config var (api_user / api secret, verified against its SHA-256). After a
// rotation the previous secret keeps working until prev_valid_until (CREDENTIAL_GRACE_
// SECONDS), so apps restarting onto the new config var never see a 401. A deprovisioned
// or revoked tenant gets 401 at once. Then the plan's rate limit (429 + Retry-After).
import type { FastifyReply, FastifyRequest } from 'fastify'
import { safeEqual, verifySecret } from '@addonkit/secrets'
import type { Tenant, TenantDirectory } from '../tenants/tenant-directory.js'
import { basicCredentials } from '../basic-auth.js'
import { RateLimited, Unauthorized } from '../errors.js'
import type { RateLimiter } from '../rate-limit.js'

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant
  }
}

/** `replicas`: log-drain replicas running now; each keeps its share of the plan's rate (replicas.ts). */
export function apiAuth (tenants: TenantDirectory, limiter: RateLimiter, replicas: () => number = () => 1) {
  return async function authenticate (req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const creds = basicCredentials(req.headers.authorization)
    const tenant = creds && creds.user.length <= 128 ? await tenants.byApiUser(creds.user) : null
    const ok = tenant !== null && creds !== null && tenant.live && safeEqual(creds.user, tenant.apiUser) && (
      verifySecret(creds.pass, tenant.apiSecretHash) ||
      (tenant.prevApiSecretHash !== null && tenant.prevValidUntil !== null && tenant.prevValidUntil > Date.now() && verifySecret(creds.pass, tenant.prevApiSecretHash)))
    if (!ok) {
      reply.header('www-authenticate', 'Basic realm="addonkit-logs", charset="UTF-8"')
      throw new Unauthorized()
    }
    const perMinute = tenant.limits.requestsPerMinute
    const wait = limiter.take(tenant.id, perMinute === null ? null : Math.max(1, Math.ceil(perMinute / replicas())))
    if (wait > 0) {
      reply.header('retry-after', String(wait))
      throw new RateLimited(tenant.limits.requestsPerMinute ?? 0)
    }
    req.tenant = tenant
  }
}
