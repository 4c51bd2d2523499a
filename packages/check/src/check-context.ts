// What every check works with: the manifest and the URLs under test, the Heroku it plays
// through (a HerokuSide and the driver on it), the plans, the answer times, the results so
// far and the add-on the later rules share. Checks record verdicts through it.
import type { DriverRequest, DriverResult, HerokuDriver, HerokuSide, ProvisionOptions, ProvisionResult } from '@addonkit/heroku-sim'
import { fromDriver, type Exchange } from './exchange.js'
import type { Endpoints, ProviderManifest } from './provider-manifest.js'
import type { CheckResult, Outcome } from './results.js'
import { rule } from './rules.js'

export interface Provisioned {
  uuid: string
  request: DriverRequest
  answer: DriverResult
  exchange: Exchange
}

export interface CheckContext {
  manifest: ProviderManifest
  endpoints: Endpoints
  production: boolean
  side: HerokuSide
  heroku: HerokuDriver
  plans: string[]
  requires: string[]
  asyncTimeoutMs: number
  /** A certificate to trust for the provider's https endpoints (the local platform's self-signed one). */
  ca?: string
  /** Index in the sim's call log where this run began. */
  firstCall: number
  /** Answer times (ms) of the Partner API requests judged for §3.7. */
  timings: number[]
  results: CheckResult[]
  /** The add-on most rules share, once provision.accepted has passed. */
  primary?: Provisioned
  /** Add-ons created along the way, deprovisioned at the end. */
  created: Set<string>
}

export function record (ctx: CheckContext, id: string, outcome: Outcome, detail?: string, exchanges: Exchange[] = []): void {
  if (ctx.results.some((r) => r.rule.id === id)) throw new Error(`addonkit check: rule ${id} judged twice`)
  ctx.results.push({ rule: rule(id), outcome, ...(detail === undefined ? {} : { detail }), exchanges })
}

/** Pass when `problem` is undefined, else fail with it. */
export function verdict (ctx: CheckContext, id: string, problem: string | undefined, exchanges: Exchange[] = [], passNote?: string): boolean {
  record(ctx, id, problem === undefined ? 'pass' : 'fail', problem ?? passNote, exchanges)
  return problem === undefined
}

export function skip (ctx: CheckContext, id: string, why: string): void {
  record(ctx, id, 'skip', why)
}

export function judged (ctx: CheckContext, id: string): boolean {
  return ctx.results.some((r) => r.rule.id === id)
}

/** Runs one rule's check; an exception fails that rule with the reason instead of ending the run. */
export async function step (ctx: CheckContext, id: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn()
  } catch (err) {
    if (!judged(ctx, id)) record(ctx, id, 'fail', `the check could not complete: ${(err as Error).message}`)
  }
  if (!judged(ctx, id)) throw new Error(`addonkit check: rule ${id} ran without a verdict`)
}

export interface Sent { res: DriverResult, ex: Exchange }

/** A Partner API request through the driver (Heroku reads the answer); its time counts for §3.7 unless `untimed`. */
export async function send (ctx: CheckContext, req: DriverRequest, opts: { untimed?: boolean } = {}): Promise<Sent> {
  const res = await ctx.heroku.replay(req)
  if (!opts.untimed && res.status !== 0) ctx.timings.push(res.elapsedMs)
  if (!opts.untimed && res.status === 0) ctx.timings.push(Infinity)
  return { res, ex: fromDriver(req, res) }
}

export async function provision (ctx: CheckContext, opts: ProvisionOptions, sendOpts: { untimed?: boolean } = {}): Promise<ProvisionResult & { ex: Exchange }> {
  const res = await ctx.heroku.provision(opts)
  if (!sendOpts.untimed) ctx.timings.push(res.status === 0 ? Infinity : res.elapsedMs)
  if (res.status >= 200 && res.status < 300) ctx.created.add(res.uuid)
  return { ...res, ex: fromDriver(res.request, res) }
}

export const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v)
export const is2xx = (status: number) => status >= 200 && status < 300
export const hasMessage = (body: unknown) => isObject(body) && typeof body.message === 'string' && body.message.trim() !== ''

/** A status line for a detail: `answered 500` or `no answer (reason)`. */
export function answered (res: { status: number, error?: string }): string {
  return res.status === 0 ? `no answer (${res.error ?? 'unknown'})` : `answered ${res.status}`
}

export async function waitFor<T> (fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() >= deadline) return undefined
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
