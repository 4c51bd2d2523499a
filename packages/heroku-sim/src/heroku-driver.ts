// Plays Heroku's side of the Add-on Partner API against a provider's gateway (spec §4, §7,
// §8): provision, plan change and deprovision with Basic auth and Heroku's headers, exact
// replays for at-least-once delivery, and the sim's add-on state updated the way Heroku
// would update it from each answer.
import { randomUUID } from 'node:crypto'
import { SimError } from './errors.js'
import { HEROKU_PARTNER_HEADERS, herokuBasicAuth } from './partner-headers.js'
import { planChangeAnswerProblem, provisionAnswerProblem } from './provider-response-check.js'
import type { HerokuSim, SimAddon } from './types.js'

export interface HerokuDriverOptions {
  sim: HerokuSim
  /** The gateway's base_url, e.g. http://127.0.0.1:5000/heroku/resources. */
  baseUrl: string
  /** Manifest id: the Basic username. */
  addonId: string
  /** Manifest api.password. */
  password: string
  /** Defaults to the sim manifest's api.requires. */
  requires?: string[]
  /** Plan used when provision() is given none. Default `hobby`. */
  defaultPlan?: string
  /** How long Heroku waits for an answer (§3.7: 25 s hard limit). Default 25000. */
  timeoutMs?: number
}

export interface DriverRequest {
  method: 'POST' | 'PUT' | 'DELETE'
  url: string
  headers: Record<string, string>
  body?: Record<string, unknown>
}

export interface DriverResult {
  /** HTTP status; 0 when no answer came (network error or timeout, see `error`). */
  status: number
  /** Parsed JSON, null for an empty body, the raw text if it is not JSON. */
  body: any
  elapsedMs: number
  /** Why Heroku would refuse this answer (e.g. a config var outside the manifest). */
  rejected?: string
  error?: string
}

export interface ProvisionResult extends DriverResult {
  uuid: string
  request: DriverRequest
}

export interface ProvisionOptions {
  uuid?: string
  plan?: string
  region?: string
  options?: Record<string, unknown>
  /** Merged last into the body: unknown fields, or overrides. */
  extra?: Record<string, unknown>
  /** `fresh` (default): a live grant; `expired`: one past expires_at; `none`: oauth_grant null. */
  grant?: 'fresh' | 'expired' | 'none'
  /** Replaces the Authorization header value; '' sends none. */
  auth?: string
}

export interface HerokuDriver {
  provision (opts?: ProvisionOptions): Promise<ProvisionResult>
  replay (request: DriverRequest): Promise<DriverResult>
  changePlan (uuid: string, plan: string): Promise<DriverResult>
  deprovision (uuid: string): Promise<DriverResult>
  waitForState (uuid: string, state: SimAddon['state'], timeoutMs?: number): Promise<SimAddon>
}

export function createHerokuDriver (opts: HerokuDriverOptions): HerokuDriver {
  const { sim } = opts
  const baseUrl = opts.baseUrl.replace(/\/+$/, '')
  const requires = opts.requires ?? sim.manifest.api.requires ?? []
  const basic = herokuBasicAuth(opts.addonId, opts.password)
  const timeoutMs = opts.timeoutMs ?? 25_000

  // Heroku sends the same headers on every verb, a DELETE with no body included (spec §3.3):
  // a provider that refuses `Content-Type: application/json` with an empty body never
  // deprovisions anything.
  function headers (auth: string | undefined): Record<string, string> {
    const h: Record<string, string> = { ...HEROKU_PARTNER_HEADERS }
    const value = auth ?? basic
    if (value !== '') h.Authorization = value
    return h
  }

  async function send (request: DriverRequest): Promise<DriverResult> {
    const started = Date.now()
    let res: Response
    let text: string
    try {
      res = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(timeoutMs)
      })
      text = await res.text()
    } catch (err) {
      return { status: 0, body: null, elapsedMs: Date.now() - started, error: (err as Error).message }
    }
    const result: DriverResult = { status: res.status, body: null, elapsedMs: Date.now() - started }
    if (text !== '') {
      try { result.body = JSON.parse(text) } catch {
        result.body = text
        result.rejected = 'the answer is not valid JSON'
      }
    }
    return result
  }

  function applyProvision (uuid: string, r: DriverResult): void {
    const addon = sim.addons.get(uuid)
    if (!addon) return
    if (r.status >= 200 && r.status < 300) {
      r.rejected ??= provisionAnswerProblem(r.body, sim.manifest)
      if (r.rejected !== undefined) {
        // Heroku fails the install when it cannot accept the answer (§2.2 config_vars).
        if (addon.state === 'provisioning') addon.state = 'deprovisioned'
        return
      }
      addon.providerId = r.body.id
      if (typeof r.body.log_drain_url === 'string') addon.logDrainUrl = r.body.log_drain_url
      // 202: Heroku waits for actions/provision (§4.3). Anything else is synchronous success.
      if (r.status === 202) return
      Object.assign(addon.config, r.body.config ?? {})
      if (addon.state === 'provisioning') addon.state = 'provisioned'
    } else if (r.status >= 400 && r.status < 500 && addon.state === 'provisioning') {
      // A refusal ends the install (§4.5); 5xx and no answer leave it for a retry.
      addon.state = 'deprovisioned'
    }
  }

  function applyPlanChange (uuid: string, plan: string, r: DriverResult): void {
    const addon = sim.addons.get(uuid)
    if (!addon || r.status < 200 || r.status >= 300) return
    r.rejected ??= planChangeAnswerProblem(r.body, sim.manifest)
    if (r.rejected !== undefined) return
    addon.plan = plan
    const config = (r.body?.config ?? {}) as Record<string, string>
    const changed = Object.entries(config).some(([k, v]) => addon.config[k] !== v)
    Object.assign(addon.config, config)
    if (changed && addon.state === 'provisioned') addon.releases++
  }

  function applyDeprovision (uuid: string, r: DriverResult): void {
    const addon = sim.addons.get(uuid)
    if (!addon) return
    // 202 is the async-deprovision beta (§7.2); 410 is how some providers say "already gone".
    if (r.status === 202) { if (addon.state !== 'deprovisioned') addon.state = 'deprovisioning' }
    else if ((r.status >= 200 && r.status < 300) || r.status === 410) addon.state = 'deprovisioned'
  }

  async function dispatch (request: DriverRequest): Promise<DriverResult> {
    const r = await send(request)
    if (request.method === 'POST') applyProvision(String(request.body?.uuid), r)
    else {
      const uuid = decodeURIComponent(request.url.slice(request.url.lastIndexOf('/') + 1))
      if (request.method === 'PUT') applyPlanChange(uuid, String(request.body?.plan), r)
      else applyDeprovision(uuid, r)
    }
    return r
  }

  return {
    async provision (p = {}) {
      const uuid = p.uuid ?? randomUUID()
      const plan = p.plan ?? opts.defaultPlan ?? 'hobby'
      const region = p.region ?? 'amazon-web-services::us-east-1'
      const addon = sim.registerAddon(uuid, { plan, region })
      const grant = p.grant ?? 'fresh'
      const body: Record<string, unknown> = {
        uuid,
        name: addon.name,
        plan,
        region,
        callback_url: `${sim.apiUrl}/addons/${uuid}`,
        oauth_grant: grant === 'none' ? null : sim.issueGrant(uuid, { expired: grant === 'expired' }),
        options: p.options ?? {}
      }
      if (requires.includes('log_input')) body.log_input_url = sim.logInputUrl(uuid)
      if (requires.includes('syslog_drain')) {
        addon.logDrainToken ??= `d.${randomUUID()}`
        body.log_drain_token = addon.logDrainToken
      }
      Object.assign(body, p.extra)
      const request: DriverRequest = { method: 'POST', url: baseUrl, headers: headers(p.auth), body }
      return { ...(await dispatch(request)), uuid, request }
    },
    replay: dispatch,
    changePlan: (uuid, plan) => dispatch({ method: 'PUT', url: `${baseUrl}/${encodeURIComponent(uuid)}`, headers: headers(undefined), body: { plan } }),
    deprovision: (uuid) => dispatch({ method: 'DELETE', url: `${baseUrl}/${encodeURIComponent(uuid)}`, headers: headers(undefined) }),
    async waitForState (uuid, state, timeout = 10_000) {
      const deadline = Date.now() + timeout
      for (;;) {
        const addon = sim.addons.get(uuid)
        if (addon?.state === state) return addon
        if (Date.now() >= deadline) {
          throw new SimError('SIM_WAIT_TIMEOUT', `add-on ${uuid} is ${addon?.state ?? 'unknown'} after ${timeout} ms, wanted ${state}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
  }
}
