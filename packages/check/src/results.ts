// What a run produces: one result per rule (pass, fail or skip, with the reason and the
// requests behind it) and the summary that decides the exit code.
import type { Exchange } from './exchange.js'
import { RULES, type Rule } from './rules.js'

export type Outcome = 'pass' | 'fail' | 'skip'

export interface CheckResult {
  rule: Rule
  outcome: Outcome
  /** Why it failed or was skipped; a short note on a pass when useful. */
  detail?: string
  /** The requests behind the verdict, shown on failure. */
  exchanges: Exchange[]
}

export interface RunSummary {
  passed: number
  /** `must` rules that failed: the run fails. */
  failed: number
  /** `should` rules that failed. */
  warnings: number
  skipped: number
}

export interface RunReport {
  manifest: string
  addonId: string
  baseUrl: string
  ssoUrl?: string
  heroku: string
  startedAt: string
  durationMs: number
  results: CheckResult[]
  summary: RunSummary
}

export function summarize (results: CheckResult[]): RunSummary {
  const s: RunSummary = { passed: 0, failed: 0, warnings: 0, skipped: 0 }
  for (const r of results) {
    if (r.outcome === 'pass') s.passed++
    else if (r.outcome === 'skip') s.skipped++
    else if (r.rule.severity === 'must') s.failed++
    else s.warnings++
  }
  return s
}

/** Results in the catalog's order, whatever order the checks ran in. */
export function ordered (results: CheckResult[]): CheckResult[] {
  const index = new Map([...RULES.keys()].map((id, i) => [id, i]))
  return [...results].sort((a, b) => index.get(a.rule.id)! - index.get(b.rule.id)!)
}
