// `--tap`: TAP version 14, one test point per rule. A failed `must` rule is `not ok`; a
// failed `should` rule is `ok … # TODO` (reported, not failing); a skipped one `# SKIP`.
// Failures carry a YAML diagnostic with the rule, the spec section and the exchanges.
import type { RunReport } from '../results.js'
import { exchangeLines } from './text-report.js'

export function tapReport (report: RunReport): string {
  const out = ['TAP version 14', `1..${report.results.length}`]
  report.results.forEach((r, i) => {
    const n = i + 1
    const name = `${r.rule.id} - ${r.rule.title}`.replace(/#/g, '\\#')
    if (r.outcome === 'pass') out.push(`ok ${n} - ${name}`)
    else if (r.outcome === 'skip') out.push(`ok ${n} - ${name} # SKIP ${oneLine(r.detail ?? '')}`)
    else {
      const failedMust = r.rule.severity === 'must'
      out.push(failedMust ? `not ok ${n} - ${name}` : `ok ${n} - ${name} # TODO should: ${oneLine(r.detail ?? '')}`)
      out.push('  ---', `  rule: ${r.rule.id}`, `  severity: ${r.rule.severity}`, `  spec: "${r.rule.spec}"`, `  found: ${JSON.stringify(r.detail ?? '')}`)
      if (r.exchanges.length) {
        out.push('  exchanges: |')
        for (const ex of r.exchanges) for (const l of exchangeLines(ex)) out.push(`    ${l}`)
      }
      out.push('  ...')
    }
  })
  const s = report.summary
  out.push(`# ${s.passed} passed, ${s.failed} failed, ${s.warnings} warnings, ${s.skipped} skipped`)
  return out.join('\n') + '\n'
}

function oneLine (s: string): string {
  return s.replace(/\s+/g, ' ').replace(/#/g, '\\#')
}
