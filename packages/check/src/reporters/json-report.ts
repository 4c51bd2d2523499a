// `--json`: the whole report as one JSON document, for scripts and CI annotations.
import type { RunReport } from '../results.js'

export function jsonReport (report: RunReport): string {
  return JSON.stringify({
    ...report,
    results: report.results.map((r) => ({
      rule: r.rule.id,
      group: r.rule.group,
      title: r.rule.title,
      spec: r.rule.spec,
      severity: r.rule.severity,
      outcome: r.outcome,
      ...(r.detail === undefined ? {} : { detail: r.detail }),
      exchanges: r.exchanges
    }))
  }, null, 2) + '\n'
}
