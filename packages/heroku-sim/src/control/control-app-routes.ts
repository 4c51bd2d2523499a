// The control API's app side (protocol §21), for a test driving a Heroku played by another
// process: what HerokuSim offers for apps, formation, rate limits, user OAuth and webhooks.
//
//   GET  /_sim/apps/{app}                          the app (owner, formation, formationHistory, releases)
//   POST /_sim/apps/{app}/scale                    by hand, as `heroku ps:scale`: { updates: [{ type, quantity?, size? }] }
//   POST /_sim/apps/{app}/releases                 a deploy: { description? }
//   PUT  /_sim/partner-scaling                     { mode: 'allowed' | 'forbidden' }
//   GET  /_sim/rate-limits?addon=…|user=…          { remaining }
//   PUT  /_sim/rate-limits                         { addon | user, remaining }
//   PUT  /_sim/signed-in-user                      { user: id or email } → the user
//   PUT  /_sim/oauth-client                        { id, redirect_uris, secret?, name? }
//   GET  /_sim/webhook-deliveries?since=N          { deliveries, next }
//   POST /_sim/webhook-deliveries/{id}/redeliver   one more attempt now → the attempt
import { SimError } from '../errors.js'
import { herokuError, type SimReply } from '../sim-http.js'
import type { HerokuSim, RateLimitAccount, SimFormationUpdate } from '../types.js'

const APP = /^\/_sim\/apps\/([^/]+)(\/scale|\/releases)?$/
const REDELIVER = /^\/_sim\/webhook-deliveries\/([^/]+)\/redeliver$/

/** The answer, or undefined when the route is not one of these. */
export async function handleControlAppRoute (sim: HerokuSim, method: string, path: string, query: URLSearchParams, b: Record<string, unknown>): Promise<SimReply | undefined> {
  try {
    return await route(sim, method, path, query, b)
  } catch (err) {
    if (!(err instanceof SimError)) throw err
    const status = err.code === 'SIM_INVALID_FORMATION' || err.code === 'SIM_INVALID_OPTION' ? 422 : 404
    return herokuError(status, status === 422 ? 'invalid_params' : 'not_found', err.message)
  }
}

async function route (sim: HerokuSim, method: string, path: string, query: URLSearchParams, b: Record<string, unknown>): Promise<SimReply | undefined> {
  const app = APP.exec(path)
  if (app) {
    const name = decodeURIComponent(app[1]!)
    const sub = app[2] ?? ''
    if (method === 'GET' && sub === '') return ok(sim.app(name))
    if (method === 'POST' && sub === '/scale') {
      const updates = (Array.isArray(b.updates) ? b.updates : [b]) as SimFormationUpdate[]
      return ok(sim.scaleByHand(name, updates))
    }
    if (method === 'POST' && sub === '/releases') return ok(sim.simulateRelease(name, { description: typeof b.description === 'string' ? b.description : undefined }))
    return undefined
  }
  const redeliver = REDELIVER.exec(path)
  if (redeliver && method === 'POST') return ok(await sim.redeliverWebhook(decodeURIComponent(redeliver[1]!)))

  switch (`${method} ${path}`) {
    case 'PUT /_sim/partner-scaling':
      sim.setPartnerScaling(b.mode as HerokuSim['partnerScaling'])
      return ok({ mode: sim.partnerScaling })
    case 'GET /_sim/rate-limits': {
      const account = accountOf(Object.fromEntries(query))
      return account ? ok({ remaining: sim.rateLimitRemaining(account) }) : herokuError(422, 'invalid_params', 'Name the account: ?addon=<uuid> or ?user=<id or email>.')
    }
    case 'PUT /_sim/rate-limits': {
      const account = accountOf(b)
      if (!account || typeof b.remaining !== 'number') return herokuError(422, 'invalid_params', 'Body must be { addon | user, remaining: number }.')
      sim.setRateLimitRemaining(account, b.remaining)
      return ok({ remaining: sim.rateLimitRemaining(account) })
    }
    case 'PUT /_sim/signed-in-user':
      if (typeof b.user !== 'string') return herokuError(422, 'invalid_params', 'Body must be { user: id or email }.')
      return ok(sim.signIn(b.user))
    case 'PUT /_sim/oauth-client': {
      const uris = b.redirect_uris ?? b.redirectUris
      if (typeof b.id !== 'string' || !Array.isArray(uris) || !uris.every((u) => typeof u === 'string')) {
        return herokuError(422, 'invalid_params', 'Body must be { id, redirect_uris: string[], secret?, name? }.')
      }
      sim.setOAuthClient({ id: b.id, redirectUris: uris as string[], secret: typeof b.secret === 'string' ? b.secret : undefined, name: typeof b.name === 'string' ? b.name : undefined })
      return ok({ id: b.id, redirect_uris: uris })
    }
    case 'GET /_sim/webhook-deliveries': {
      const since = Math.max(0, Number(query.get('since') ?? 0) || 0)
      return ok({ deliveries: sim.webhookDeliveries.slice(since), next: sim.webhookDeliveries.length })
    }
  }
  return undefined
}

function accountOf (o: Record<string, unknown>): RateLimitAccount | undefined {
  if (typeof o.addon === 'string') return { addon: o.addon }
  if (typeof o.user === 'string') return { user: o.user }
  return undefined
}

function ok (body: unknown): SimReply {
  return { status: 200, body }
}
