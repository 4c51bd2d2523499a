// Plays Heroku's side of the Add-on Partner API against a provider's gateway (protocol §4, §7,
// §8): provision, plan change and deprovision with Basic auth and Heroku's headers, exact
// replays for at-least-once delivery, and each answer read the way Heroku reads it
// (model/answer-reading.ts). It works through a HerokuSide: a simulator in this process
// (`sim`) or one in another process (`side`, from connectHerokuSim).
import { randomUUID } from 'node:crypto'
import { SimError } from '../errors.js'
import { localHerokuSide, type HerokuSide } from '../heroku-side.js'
import type { AnsweredVerb } from '../model/answer-reading.js'
import type { HerokuSim, SimAddon } from '../types.js'
import { HEROKU_PARTNER_HEADERS, herokuBasicAuth } from './partner-headers.js'

export interface HerokuDriverOptions {
  /** A simulator in this process; or give `side`. */
  sim?: HerokuSim
  /** The Heroku to play through, e.g. a remote simulator; default `localHerokuSide(sim)`. */
  side?: HerokuSide
  /** The gateway's base_url, e.g. http://127.0.0.1:5000/heroku/resources. */
  baseUrl: string
  /** Manifest id: the Basic username. */
  addonId: string
  /** Manifest api.password. */
  password: string
  /** The manifest's api.requires; default the in-process sim manifest's, else none. */
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
  /** The answer's headers (lower-case names); empty when no answer came. */
  headers: Record<string, string>
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
  readonly side: HerokuSide
  provision (opts?: ProvisionOptions): Promise<ProvisionResult>
  replay (request: DriverRequest): Promise<DriverResult>
  changePlan (uuid: string, plan: string, opts?: { auth?: string }): Promise<DriverResult>
  deprovision (uuid: string, opts?: { auth?: string }): Promise<DriverResult>
  /** Sends a request as built, reads the answer as Heroku does, and records nothing else. */
  send (request: DriverRequest): Promise<DriverResult>
  /** The request Heroku sends for a verb, with its exact headers (`auth` as in ProvisionOptions). */
  request (method: DriverRequest['method'], uuid: string | undefined, body?: Record<string, unknown>, auth?: string): DriverRequest
  waitForState (uuid: string, state: SimAddon['state'], timeoutMs?: number): Promise<SimAddon>
}

export function createHerokuDriver (opts: HerokuDriverOptions): HerokuDriver {
  const side = opts.side ?? (opts.sim ? localHerokuSide(opts.sim) : undefined)
  if (!side) throw new SimError('SIM_NO_HEROKU', 'createHerokuDriver needs `sim` or `side`')
  const baseUrl = opts.baseUrl.replace(/\/+$/, '')
  const requires = opts.requires ?? opts.sim?.manifest.api.requires ?? []
  const basic = herokuBasicAuth(opts.addonId, opts.password)
  const timeoutMs = opts.timeoutMs ?? 25_000

  // Heroku sends the same headers on every verb, a DELETE with no body included (protocol §3.3):
  // a provider that refuses `Content-Type: application/json` with an empty body never
  // deprovisions anything.
  function request (method: DriverRequest['method'], uuid: string | undefined, body?: Record<string, unknown>, auth?: string): DriverRequest {
    const headers: Record<string, string> = { ...HEROKU_PARTNER_HEADERS }
    const value = auth ?? basic
    if (value !== '') headers.Authorization = value
    const url = uuid === undefined ? baseUrl : `${baseUrl}/${encodeURIComponent(uuid)}`
    return body === undefined ? { method, url, headers } : { method, url, headers, body }
  }

  async function send (req: DriverRequest): Promise<DriverResult> {
    const started = performance.now()
    let res: Response
    let text: string
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        signal: AbortSignal.timeout(timeoutMs)
      })
      text = await res.text()
    } catch (err) {
      return { status: 0, body: null, headers: {}, elapsedMs: performance.now() - started, error: (err as Error).message }
    }
    const result: DriverResult = { status: res.status, body: null, headers: Object.fromEntries(res.headers), elapsedMs: performance.now() - started }
    if (text !== '') {
      try { result.body = JSON.parse(text) } catch {
        result.body = text
        result.rejected = 'the answer is not valid JSON'
      }
    }
    return result
  }

  async function dispatch (req: DriverRequest): Promise<DriverResult> {
    const r = await send(req)
    const uuid = req.method === 'POST' ? String(req.body?.uuid) : decodeURIComponent(req.url.slice(req.url.lastIndexOf('/') + 1))
    const plan = req.method === 'PUT' ? String(req.body?.plan) : undefined
    const rejected = await side!.readAnswer(uuid, req.method as AnsweredVerb, { status: r.status, body: r.body, rejected: r.rejected }, plan)
    if (rejected !== undefined) r.rejected = rejected
    return r
  }

  return {
    side,
    async provision (p = {}) {
      const uuid = p.uuid ?? randomUUID()
      const plan = p.plan ?? opts.defaultPlan ?? 'hobby'
      const region = p.region ?? 'amazon-web-services::us-east-1'
      const addon = await side.registerAddon(uuid, { plan, region })
      const grant = p.grant ?? 'fresh'
      const body: Record<string, unknown> = {
        uuid,
        name: addon.name,
        plan,
        region,
        callback_url: `${side.apiUrl}/addons/${uuid}`,
        oauth_grant: grant === 'none' ? null : await side.issueGrant(uuid, { expired: grant === 'expired' }),
        options: p.options ?? {}
      }
      if (requires.includes('log_input')) body.log_input_url = await side.logInputUrl(uuid)
      // The drain token is the add-on's, the same on every retry (§4.1).
      if (requires.includes('syslog_drain')) body.log_drain_token = addon.logDrainToken
      Object.assign(body, p.extra)
      const req = request('POST', undefined, body, p.auth)
      return { ...(await dispatch(req)), uuid, request: req }
    },
    replay: dispatch,
    send,
    request,
    changePlan: (uuid, plan, o = {}) => dispatch(request('PUT', uuid, { plan }, o.auth)),
    deprovision: (uuid, o = {}) => dispatch(request('DELETE', uuid, undefined, o.auth)),
    async waitForState (uuid, state, timeout = 10_000) {
      const deadline = Date.now() + timeout
      for (;;) {
        const addon = await side.addon(uuid)
        if (addon?.state === state) return addon
        if (Date.now() >= deadline) {
          throw new SimError('SIM_WAIT_TIMEOUT', `add-on ${uuid} is ${addon?.state ?? 'unknown'} after ${timeout} ms, wanted ${state}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
  }
}
