// A simulated Heroku app as its router sees it (protocol §21.5): offered load λ (requests per
// second), a mean per-request service time s on an idle dyno, and the app's current `web`
// dyno count c turn into router log lines. Pure: `stepApp` advances simulated time by one
// step from a state and a seeded RNG, so the same seed and the same formation changes give
// the same lines.
//
// The model, M/M/c with a backlog: servers = c × concurrency, utilization ρ = λ·s / servers.
// Requests arrive as a Poisson process, each takes an exponential processing time of mean s
// and, when ρ < 1, waits with Erlang C's probability for an exponential time of mean
// 1/(capacity − λ), so response times climb steeply as ρ nears 1. At ρ ≥ 1 a backlog builds
// at λ − capacity per second and every request waits backlog / capacity on top; it drains
// at capacity − λ once the app has dynos enough. The router answers what would take more
// than 30 s with H12 (503 at 30 s); with no web dynos every request is H14. A line is
// emitted when the router logs it (the answer, or the timeout), so it can fall in a later
// step than its arrival, as in a real drain.
import type { SimFormationProcess } from '../types.js'
import { erlangC, utilization } from './queueing.js'
import { formatRouterLine, type RouterRequestFields } from './router-lines.js'
import type { Rng } from './seeded-rng.js'

export const ROUTER_TIMEOUT_MS = 30_000

export interface AppModel {
  /** The app's name: requests go to `${app}.herokuapp.com`. */
  app: string
  /** Offered load λ, requests per second. */
  rps: number
  /** Mean time one request takes on an idle dyno (s), in ms. */
  serviceMs: number
  /** Requests one web dyno serves at once (its server's threads or processes); default 1. */
  concurrency?: number
  /** Paths requested, picked uniformly; default `['/']`. */
  paths?: string[]
  /** Share of served requests the app answers 500; default 0. */
  errorRate?: number
  /** Mean response size in bytes; default 512. */
  meanBytes?: number
}

export interface RouterRequest extends RouterRequestFields {
  /** When the request reached the router. */
  arrivedAt: Date
  /** When the router logs it: the answer, the 30 s timeout, or at once for H14. */
  at: Date
  /** The router line (MSG of a `heroku router` frame). */
  line: string
}

export interface AppModelState {
  /** Simulated time, ms since the epoch. */
  now: number
  /** Requests queued beyond the steady state (builds while ρ ≥ 1). */
  backlog: number
  /** Requests arrived but not logged yet, by `at`. */
  inFlight: RouterRequest[]
}

export interface AppStep {
  state: AppModelState
  /** The lines logged during the step, by time. */
  lines: RouterRequest[]
  webDynos: number
  /** ρ during the step; Infinity with no web dynos and some load. */
  utilization: number
}

export function initialAppState (now: number = Date.now()): AppModelState {
  return { now, backlog: 0, inFlight: [] }
}

/** The `web` quantity of a formation (or the count itself). */
export function webDynosOf (formation: readonly SimFormationProcess[] | number): number {
  if (typeof formation === 'number') return formation
  return formation.find((p) => p.type === 'web')?.quantity ?? 0
}

/** Advances the app by `seconds` of simulated time. */
export function stepApp (model: AppModel, state: AppModelState, formation: readonly SimFormationProcess[] | number, seconds: number, rng: Rng): AppStep {
  const dynos = webDynosOf(formation)
  const servers = dynos * (model.concurrency ?? 1)
  const s = model.serviceMs / 1000
  const capacity = servers / s
  const lambda = Math.max(0, model.rps)
  const rho = utilization(lambda, s, servers)
  const waitChance = rho < 1 ? erlangC(servers, lambda * s) : 0
  const stepMs = seconds * 1000
  const arrived: RouterRequest[] = []
  if (lambda > 0) {
    for (let t = rng.exponential(1000 / lambda); t < stepMs; t += rng.exponential(1000 / lambda)) {
      arrived.push(request(model, dynos, rng, state.now + t, () => {
        const backlog = Math.max(0, state.backlog + (lambda - capacity) * t / 1000)
        const queued = rng.next() < waitChance ? rng.exponential(1 / (capacity - lambda)) : 0
        return (backlog / capacity + queued + rng.exponential(s)) * 1000
      }))
    }
  }
  const end = state.now + stepMs
  const pending = [...state.inFlight, ...arrived].sort((a, b) => a.at.getTime() - b.at.getTime())
  const split = pending.findIndex((r) => r.at.getTime() > end)
  const lines = split < 0 ? pending : pending.slice(0, split)
  const next: AppModelState = {
    now: end,
    // Without dynos the router turns requests away: nothing queues.
    backlog: servers === 0 ? 0 : Math.max(0, state.backlog + (lambda - capacity) * seconds),
    inFlight: split < 0 ? [] : pending.slice(split)
  }
  return { state: next, lines, webDynos: dynos, utilization: rho }
}

/**
 * The router lines of `seconds` of traffic on an idle app (no backlog), including requests
 * answered after the window, by time: the model's answer to "what does this load look like
 * on this formation".
 */
export function routerLinesFor (model: AppModel, formation: readonly SimFormationProcess[] | number, seconds: number, rng: Rng, start: number = Date.now()): RouterRequest[] {
  const step = stepApp(model, initialAppState(start), formation, seconds, rng)
  return [...step.lines, ...step.state.inFlight]
}

function request (model: AppModel, dynos: number, rng: Rng, arrival: number, responseMs: () => number): RouterRequest {
  const paths = model.paths ?? ['/']
  const base = {
    method: 'GET',
    path: paths[rng.int(paths.length)]!,
    host: `${model.app}.herokuapp.com`,
    requestId: rng.uuid(),
    fwd: `203.0.113.${1 + rng.int(254)}`
  }
  if (dynos === 0) return done({ ...base, dyno: null, connectMs: 0, serviceMs: 0, status: 503, bytes: 0, code: 'H14' }, arrival, arrival)
  const dyno = `web.${1 + rng.int(dynos)}`
  const connectMs = rng.int(3)
  const serviceMs = Math.round(responseMs())
  if (connectMs + serviceMs > ROUTER_TIMEOUT_MS) {
    return done({ ...base, dyno, connectMs, serviceMs: ROUTER_TIMEOUT_MS, status: 503, bytes: 0, code: 'H12' }, arrival, arrival + ROUTER_TIMEOUT_MS)
  }
  const status = rng.next() < (model.errorRate ?? 0) ? 500 : 200
  const bytes = Math.round((model.meanBytes ?? 512) * (0.5 + rng.next()))
  return done({ ...base, dyno, connectMs, serviceMs, status, bytes }, arrival, arrival + connectMs + serviceMs)
}

function done (fields: RouterRequestFields, arrival: number, at: number): RouterRequest {
  return { ...fields, arrivedAt: new Date(arrival), at: new Date(at), line: formatRouterLine(fields) }
}
