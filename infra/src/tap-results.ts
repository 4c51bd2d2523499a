// Counts test results from the TAP files tap writes to <package>/.tap/test-results: one
// top-level `ok`/`not ok` line is one test (a `t.test` block of a test file).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface Totals { passed: number, failed: number, skipped: number, failures: string[] }

function walk (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.tap') ? [p] : []
  })
}

export function countTapResults (pkgDir: string): Totals {
  const totals: Totals = { passed: 0, failed: 0, skipped: 0, failures: [] }
  const dir = join(pkgDir, '.tap', 'test-results')
  if (!existsSync(dir)) return totals
  for (const file of walk(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n')
    let any = false
    for (const line of lines) {
      const m = /^(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/.exec(line)
      if (!m) continue
      any = true
      if (m[3]) totals.skipped++
      else if (m[1] === 'ok') totals.passed++
      else { totals.failed++; totals.failures.push(`${file.slice(dir.length + 1)}: ${m[2]}`) }
    }
    // A file that crashed before reporting anything still counts as a failure.
    if (!any && !lines.some((l) => /^1\.\.0 # (no tests|SKIP)/.test(l))) { totals.failed++; totals.failures.push(`${file.slice(dir.length + 1)}: produced no results`) }
  }
  return totals
}
