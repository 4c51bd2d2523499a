// The simulator's control API under /_sim/, for a Heroku played from another process
// (`npm run demo` and `addonkit check` against `npm start`): what the in-process HerokuSim
// object offers, as JSON over HTTP. Served only with the `control` option, on 127.0.0.1.
//
//   GET  /_sim/info                          urls, add-on id, plans, sso_url
//   POST /_sim/addons                        a new add-on and the provision body Heroku would send
//   PUT  /_sim/addons/{uuid}                 register an add-on Heroku is about to provision
//   GET  /_sim/addons/{uuid}                 its state
//   POST /_sim/addons/{uuid}/grants          a grant code ({ expired })
//   GET  /_sim/addons/{uuid}/log-input-url   its log input URL
//   POST /_sim/addons/{uuid}/answers         Heroku's reading of an answer ({ verb, status, body, rejected?, plan? })
//   POST /_sim/addons/{uuid}/sso             a fresh SSO form ({ timestamp?, extra? })
//   GET  /_sim/calls?since=N                 the requests made to the sim from index N on
//   POST /_sim/delay                         delay the next request matching { path_regex, ms }
//   POST /_sim/fail-next                     fail the next { times } requests matching { path_regex } with { status }
//
// The app side (apps, formation, rate limits, user OAuth, webhooks) is in control-app-routes.ts.
import { randomUUID } from 'node:crypto'
import type { FaultInjector } from '../fault-injection.js'
import { readAnswer, type AnsweredVerb } from '../model/answer-reading.js'
import type { SimState } from '../model/sim-state.js'
import { herokuError, type SimReply } from '../sim-http.js'
import type { HerokuSim } from '../types.js'
import { handleControlAppRoute } from './control-app-routes.js'

export interface ControlDeps {
  sim: HerokuSim
  state: SimState
  faults: FaultInjector
}

const ADDON = /^\/_sim\/addons\/([^/]+)(\/grants|\/log-input-url|\/answers|\/sso)?$/
const VERBS = new Set(['POST', 'PUT', 'DELETE'])

export async function handleControl (deps: ControlDeps, method: string, path: string, query: URLSearchParams, body: unknown): Promise<SimReply> {
  const { sim, state } = deps
  const b = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const route = `${method} ${path}`
  if (route === 'GET /_sim/info') {
    return ok({ url: sim.url, api_url: sim.apiUrl, id_url: sim.idUrl, addon_id: sim.manifest.id, plans: sim.plans, sso_url: sim.ssoUrl, partner_scaling: sim.partnerScaling })
  }
  if (route === 'POST /_sim/addons') {
    const uuid = randomUUID()
    const plan = typeof b.plan === 'string' ? b.plan : 'hobby'
    const addon = state.registerAddon(uuid, { plan })
    return {
      status: 201,
      body: {
        uuid,
        name: addon.name,
        plan,
        region: 'amazon-web-services::us-east-1',
        callback_url: `${sim.apiUrl}/addons/${uuid}`,
        oauth_grant: state.issueGrant(uuid),
        options: {},
        log_input_url: sim.logInputUrl(uuid),
        log_drain_token: addon.logDrainToken
      }
    }
  }
  if (route === 'GET /_sim/calls') {
    const since = Math.max(0, Number(query.get('since') ?? 0) || 0)
    return ok({ calls: sim.calls.slice(since), next: sim.calls.length })
  }
  if (route === 'POST /_sim/delay') {
    const pattern = regex(b.path_regex)
    if (!pattern) return herokuError(422, 'invalid_params', 'path_regex must be a valid regular expression.')
    const ms = Math.min(60_000, Math.max(0, Number(b.ms ?? 0)))
    const held = deps.faults.hold(pattern)
    void held.arrived.then(() => setTimeout(() => held.release(), ms))
    return { status: 202, body: { delayed: String(pattern), ms } }
  }
  if (route === 'POST /_sim/fail-next') {
    const pattern = regex(b.path_regex)
    if (!pattern) return herokuError(422, 'invalid_params', 'path_regex must be a valid regular expression.')
    deps.faults.failNext(pattern, Math.min(1000, Math.max(0, Number(b.times ?? 1))), Number(b.status ?? 503))
    return { status: 202, body: {} }
  }

  const m = ADDON.exec(path)
  if (m) {
    const uuid = decodeURIComponent(m[1]!)
    const sub = m[2] ?? ''
    if (method === 'PUT' && sub === '') {
      const init = { plan: str(b.plan), name: str(b.name), region: str(b.region), app: str(b.app) }
      return ok(state.registerAddon(uuid, init))
    }
    const addon = state.addons.get(uuid)
    // An answer about an add-on the sim does not know (a made-up uuid) is still judged.
    if (method === 'POST' && sub === '/answers') {
      if (typeof b.verb !== 'string' || !VERBS.has(b.verb) || typeof b.status !== 'number') {
        return herokuError(422, 'invalid_params', 'Body must be { verb: POST|PUT|DELETE, status: number, body, rejected?, plan? }.')
      }
      const rejected = readAnswer(sim.manifest, addon, b.verb as AnsweredVerb, { status: b.status, body: b.body ?? null, rejected: str(b.rejected) }, str(b.plan))
      return ok({ rejected: rejected ?? null, addon: addon ?? null })
    }
    if (!addon) return herokuError(404, 'not_found', 'No such add-on in the simulator.')
    if (method === 'GET' && sub === '') return ok(addon)
    if (method === 'POST' && sub === '/grants') return ok(state.issueGrant(uuid, { expired: b.expired === true }))
    if (method === 'GET' && sub === '/log-input-url') return ok({ url: sim.logInputUrl(uuid) })
    if (method === 'POST' && sub === '/sso') {
      const extra = b.extra !== null && typeof b.extra === 'object' ? Object.fromEntries(Object.entries(b.extra).map(([k, v]) => [k, String(v)])) : undefined
      return ok(sim.ssoRequest(uuid, { timestamp: typeof b.timestamp === 'number' ? b.timestamp : undefined, extra }))
    }
  }
  const appSide = await handleControlAppRoute(sim, method, path, query, b)
  if (appSide) return appSide
  return herokuError(404, 'not_found', `No such control route: ${method} ${path}`)
}

function ok (body: unknown): SimReply {
  return { status: 200, body }
}

function str (v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function regex (v: unknown): RegExp | undefined {
  if (typeof v !== 'string') return undefined
  try { return new RegExp(v) } catch { return undefined }
}
