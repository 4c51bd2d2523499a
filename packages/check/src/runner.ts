// Runs the rule groups in the order a real add-on lives them: manifest, provision (the
// first add-on, which most later rules share), auth, async, plan changes, SSO, the drain,
// deprovisioning, then the rules judged from what was seen (log input, answer times),
// and removes what it created. Returns the report; exceptions in a check fail that rule.
import { createHerokuDriver, type HerokuSide } from '@addonkit/heroku-sim'
import { type CheckContext, judged, skip } from './check-context.js'
import { asyncChecks } from './checks/async-checks.js'
import { authChecks } from './checks/auth-checks.js'
import { cleanUp, deprovisionChecks } from './checks/deprovision-checks.js'
import { drainChecks } from './checks/drain-checks.js'
import { manifestChecks } from './checks/manifest-checks.js'
import { logInputChecks, timingChecks } from './checks/passive-checks.js'
import { planChecks } from './checks/plan-checks.js'
import { provisionChecks, provisionPrimary } from './checks/provision-checks.js'
import { ssoChecks } from './checks/sso-checks.js'
import { endpoints, type ProviderManifest } from './provider-manifest.js'
import { ordered, summarize, type RunReport } from './results.js'
import { GROUPS, RULES, type RuleGroup } from './rules.js'

export interface RunOptions {
  manifest: ProviderManifest
  /** Shown in the report. */
  manifestPath?: string
  side: HerokuSide
  /** Plan slugs; default the simulator's. The first is provisioned, the second is the plan-change target. */
  plans?: string[]
  /** Judge api.production's URLs instead of api.test's. */
  production?: boolean
  /** Groups to run; default all. */
  only?: RuleGroup[]
  /** How long an asynchronous provision may take to complete. Default 60 s. */
  asyncTimeoutMs?: number
  /** A certificate (PEM) to trust for the provider's https endpoints. */
  ca?: string
  /** Called as each group starts (progress for the CLI). */
  onGroup?: (group: RuleGroup) => void
}

/** Rules judged while another group runs (after a deprovision, say). */
const JUDGED_WITH: Record<string, RuleGroup> = { 'sso.after-deprovision': 'deprovision' }

export class CheckSetupError extends Error {
  constructor (message: string) { super(message); this.name = 'CheckSetupError' }
}

export async function runChecks (opts: RunOptions): Promise<RunReport> {
  const started = Date.now()
  const production = opts.production === true
  const ep = endpoints(opts.manifest, production ? 'production' : 'test')
  const plans = opts.plans?.length ? opts.plans : opts.side.plans
  const only = new Set(opts.only?.length ? opts.only : GROUPS)
  const needsPrimary = [...only].some((g) => g !== 'manifest' && g !== 'timing' && g !== 'log-input')
  if (plans.length === 0 && needsPrimary) throw new CheckSetupError('no plan is known: name the add-on\'s plans with --plans (the first is provisioned, the second is the plan-change target)')
  if (opts.side.addonId !== opts.manifest.id) {
    throw new CheckSetupError(`the Heroku simulator at ${opts.side.url} plays Heroku for add-on "${opts.side.addonId}", but the manifest is for "${opts.manifest.id}"`)
  }
  const requires = opts.manifest.api.requires ?? []
  const ctx: CheckContext = {
    manifest: opts.manifest,
    endpoints: ep,
    production,
    side: opts.side,
    heroku: createHerokuDriver({ side: opts.side, baseUrl: ep.baseUrl, addonId: opts.manifest.id, password: opts.manifest.api.password, requires, defaultPlan: plans[0] }),
    plans,
    requires,
    asyncTimeoutMs: opts.asyncTimeoutMs ?? 60_000,
    ...(opts.ca ? { ca: opts.ca } : {}),
    firstCall: (await opts.side.calls()).next,
    timings: [],
    results: [],
    created: new Set()
  }
  const groups: Array<[RuleGroup, (c: CheckContext) => Promise<void>]> = [
    ['manifest', manifestChecks],
    ['provision', provisionChecks],
    ['auth', authChecks],
    ['async', asyncChecks],
    ['plan', planChecks],
    ['sso', ssoChecks],
    ['drain', drainChecks],
    ['deprovision', deprovisionChecks],
    ['log-input', logInputChecks],
    ['timing', timingChecks]
  ]
  try {
    for (const [group, run] of groups) {
      if (group === 'provision' && needsPrimary) {
        opts.onGroup?.(group)
        await provisionPrimary(ctx)
      }
      if (!only.has(group)) continue
      if (group !== 'provision') opts.onGroup?.(group)
      await run(ctx)
    }
  } finally {
    await cleanUp(ctx)
  }
  for (const [id, group] of Object.entries(JUDGED_WITH)) {
    if (only.has(RULES.get(id)!.group) && !only.has(group) && !judged(ctx, id)) skip(ctx, id, `judged with the ${group} group, which did not run`)
  }
  const results = ordered(ctx.results.filter((r) => only.has(r.rule.group)))
  for (const [id, r] of RULES) {
    if (only.has(r.group) && !results.some((x) => x.rule.id === id)) throw new Error(`addonkit check: rule ${id} was never judged`)
  }
  return {
    manifest: opts.manifestPath ?? '(given)',
    addonId: opts.manifest.id,
    baseUrl: ep.baseUrl,
    ...(ep.ssoUrl ? { ssoUrl: ep.ssoUrl } : {}),
    heroku: opts.side.url,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    results,
    summary: summarize(results)
  }
}
