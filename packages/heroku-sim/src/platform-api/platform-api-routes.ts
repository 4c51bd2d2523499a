// The Platform API the sim serves under {apiUrl} (protocol §15, §21): the checks every route
// shares, then the route. In order: an unknown path is 404; `Accept` must be exactly
// `application/vnd.heroku+json; version=3` (the webhook routes also take `version=3.webhooks`,
// which Heroku's webhook docs send) else 406; a request spends one token of its account's
// bucket, and an empty bucket is 429 `rate_limit`; the bearer token must be live (401). Every
// answer carries `RateLimit-Remaining` (§21.2), and GET /account/rate-limits spends nothing.
//
// Whose bucket: a user token spends its user's; a partner token its add-on's (or the add-on
// service's, option `rateLimit.partnerAccount`); an expired token still its holder's; a
// request without a known token its client address's.
import { type SimReply, type SimRequest, herokuError, ok } from '../sim-http.js'
import type { SimState } from '../model/sim-state.js'
import { handleAddonRoute } from './addon-routes.js'
import { handleAddonWebhookRoute } from './addon-webhook-routes.js'
import type { ApiCall } from './api-call.js'
import { handleFormationRoute } from './formation-routes.js'
import { handleOAuthAuthorizationList, handleOAuthAuthorizationRoute } from './oauth-authorization-routes.js'

export const HEROKU_ACCEPT = 'application/vnd.heroku+json; version=3'
const WEBHOOKS_ACCEPT = 'application/vnd.heroku+json; version=3.webhooks'

interface Route {
  pattern: RegExp
  accept: string[]
  /** Answers without spending a token (GET /account/rate-limits). */
  free?: boolean
  handle (call: ApiCall, m: RegExpExecArray, path: string): SimReply
}

const ROUTES: Route[] = [
  {
    pattern: /^\/account\/rate-limits$/,
    accept: [HEROKU_ACCEPT],
    free: true,
    handle: (call, _m, path) => call.req.method === 'GET'
      ? ok({ remaining: call.state.rateLimiter.remaining(call.state.rateLimitAccount(call.principal)) })
      : herokuError(405, 'method_not_allowed', `${call.req.method} is not allowed on ${path}.`)
  },
  {
    pattern: /^\/oauth\/authorizations$/,
    accept: [HEROKU_ACCEPT],
    handle: (call, _m, path) => handleOAuthAuthorizationList(call, path)
  },
  {
    pattern: /^\/oauth\/authorizations\/([^/]+)$/,
    accept: [HEROKU_ACCEPT],
    handle: (call, m, path) => handleOAuthAuthorizationRoute(call, decodeURIComponent(m[1]!), path)
  },
  {
    pattern: /^\/apps\/([^/]+)\/formation(?:\/([^/]+))?$/,
    accept: [HEROKU_ACCEPT],
    handle: (call, m, path) => handleFormationRoute(call, decodeURIComponent(m[1]!), m[2] === undefined ? undefined : decodeURIComponent(m[2]), path)
  },
  {
    pattern: /^\/addons\/([^/]+)\/(webhooks|webhook-deliveries)(?:\/([^/]+))?$/,
    accept: [HEROKU_ACCEPT, WEBHOOKS_ACCEPT],
    handle: (call, m, path) => handleAddonWebhookRoute(call, decodeURIComponent(m[1]!), m[2]!, m[3] === undefined ? undefined : decodeURIComponent(m[3]), path)
  },
  {
    pattern: /^\/addons\/([^/]+)(\/config|\/actions\/provision|\/actions\/deprovision)?$/,
    accept: [HEROKU_ACCEPT],
    handle: (call, m, path) => handleAddonRoute(call, decodeURIComponent(m[1]!), m[2] ?? '', path)
  }
]

/** `path` is relative to the API prefix. */
export function handlePlatformApi (state: SimState, req: SimRequest, path: string): SimReply {
  const bearer = bearerToken(req)
  const holder = state.tokens.holder(bearer)
  const account = holder ? state.rateLimitAccount(holder) : `ip:${req.remoteAddress ?? 'unknown'}`
  const route = ROUTES.find((r) => r.pattern.test(path))
  if (route?.free !== true && !state.rateLimiter.take(account)) {
    return withRemaining(herokuError(429, 'rate_limit', 'Your account reached the API rate limit. Please wait a few minutes before making new requests.'), 0)
  }
  return withRemaining(answer(state, req, path, route, bearer), state.rateLimiter.remaining(account))
}

/** The header alone, for answers given before any route runs (injected failures). */
export function rateLimitHeader (state: SimState, req: SimRequest): Record<string, string> {
  const holder = state.tokens.holder(bearerToken(req))
  const account = holder ? state.rateLimitAccount(holder) : `ip:${req.remoteAddress ?? 'unknown'}`
  return { 'RateLimit-Remaining': String(state.rateLimiter.remaining(account)) }
}

function answer (state: SimState, req: SimRequest, path: string, route: Route | undefined, bearer: string | undefined): SimReply {
  if (!route) return herokuError(404, 'not_found', `No such resource: ${path}`)
  const accept = req.headers.accept
  if (accept === undefined || !route.accept.includes(accept)) {
    return herokuError(406, 'not_acceptable', `Accept must be exactly "${HEROKU_ACCEPT}", got ${JSON.stringify(accept ?? null)}.`)
  }
  const token = state.tokens.check(bearer)
  if (!token.ok) {
    const why = { missing: 'No bearer token provided.', unknown: 'Invalid credentials provided.', expired: 'The access token has expired.' }[token.reason]
    return herokuError(401, 'unauthorized', why)
  }
  return route.handle({ state, req, principal: token.principal }, route.pattern.exec(path)!, path)
}

function bearerToken (req: SimRequest): string | undefined {
  return /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
}

function withRemaining (reply: SimReply, remaining: number): SimReply {
  return { ...reply, headers: { ...reply.headers, 'RateLimit-Remaining': String(remaining) } }
}
