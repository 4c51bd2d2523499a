// The human report: one line per rule grouped as a run goes (✓ pass, ✗ fail, ! warning,
// - skipped), then every failure and warning with its rule, protocol section (docs/heroku-protocol.md), reason and the
// requests and answers behind it, then the totals.
import type { Exchange } from '../exchange.js'
import type { CheckResult, RunReport } from '../results.js'

export function textReport (report: RunReport, opts: { verbose?: boolean } = {}): string {
  const out: string[] = []
  out.push(`addonkit check — ${report.addonId}`)
  out.push(`  provider   ${report.baseUrl}${report.ssoUrl ? `  (SSO ${report.ssoUrl})` : ''}`)
  out.push(`  Heroku     ${report.heroku}`)
  out.push(`  manifest   ${report.manifest}`)
  let group = ''
  for (const r of report.results) {
    if (r.rule.group !== group) { group = r.rule.group; out.push('', group) }
    const note = r.detail && (r.outcome !== 'pass' || opts.verbose) ? ` — ${r.outcome === 'fail' ? firstLine(r.detail) : r.detail}` : r.detail && r.outcome === 'pass' ? ` (${r.detail})` : ''
    out.push(`  ${mark(r)} ${r.rule.id.padEnd(30)} ${r.rule.title}${note}`)
  }
  const problems = report.results.filter((r) => r.outcome === 'fail')
  if (problems.length) {
    out.push('', 'Details')
    for (const r of problems) {
      out.push('', `${mark(r)} ${r.rule.id} [${r.rule.severity.toUpperCase()}, protocol ${r.rule.spec}]`, `  rule: ${r.rule.title}`, `  found: ${r.detail ?? 'no reason given'}`)
      for (const ex of r.exchanges) out.push(...exchangeLines(ex).map((l) => `  ${l}`))
    }
  }
  const s = report.summary
  out.push('', `${s.passed} passed, ${s.failed} failed, ${s.warnings} warnings, ${s.skipped} skipped in ${(report.durationMs / 1000).toFixed(1)} s`)
  return out.join('\n') + '\n'
}

function mark (r: CheckResult): string {
  if (r.outcome === 'pass') return '✓'
  if (r.outcome === 'skip') return '-'
  return r.rule.severity === 'must' ? '✗' : '!'
}

function firstLine (s: string): string {
  return s.split('\n')[0]!
}

export function exchangeLines (ex: Exchange): string[] {
  const lines = [`> ${ex.request.method} ${ex.request.url}`]
  for (const [k, v] of Object.entries(ex.request.headers)) lines.push(`> ${k}: ${v}`)
  if (ex.request.body !== undefined) lines.push(`> ${indentBody(ex.request.body, '> ')}`)
  if (ex.response) {
    lines.push(`< ${ex.response.status} (${Math.round(ex.elapsedMs)} ms)`)
    for (const [k, v] of Object.entries(ex.response.headers)) {
      if (/^(content-type|location|set-cookie|www-authenticate|retry-after)$/i.test(k)) for (const one of [v].flat()) lines.push(`< ${k}: ${one}`)
    }
    if (ex.response.body !== '') lines.push(`< ${indentBody(ex.response.body, '< ')}`)
  } else lines.push(`< no answer: ${ex.error ?? 'unknown'} (${Math.round(ex.elapsedMs)} ms)`)
  return lines
}

function indentBody (body: string, prefix: string): string {
  return body.split('\n').join(`\n${prefix}`)
}
