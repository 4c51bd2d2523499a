// TRUST_PROXY as Fastify's `trustProxy` option: the peers whose X-Forwarded-Proto and
// X-Forwarded-For Fastify believes, so that `request.protocol` (which decides the session
// cookie's Secure flag) and `request.ip` (the SSO failure limit) say what the client did.
import type { FastifyServerOptions } from 'fastify'
import type { TrustProxy } from '@addonkit/config'

export function fastifyTrustProxy (trust: TrustProxy): FastifyServerOptions['trustProxy'] {
  if (trust === false) return false
  // Fastify takes a bare number as "no peer is trusted" for X-Forwarded-Proto (it cannot
  // check the address of the peer), which would leave every request behind Heroku's router,
  // whose addresses are not fixed, looking like http. The function proxy-addr builds for a
  // hop count keeps its meaning: the nearest `trust` peers are proxies.
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust
  return [...trust]
}
