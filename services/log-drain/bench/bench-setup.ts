// What the log-drain benchmarks share: a PostgreSQL of their own when the caller gave none
// (infra's ownPostgres), and an add-on definition with a `bench` plan whose limits a
// benchmark never reaches.
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ADDON_DEFINITION } from '@addonkit/config'

export { ownPostgres } from '@addonkit/infra'

/** The default definition plus plan `bench`, written to a file for ADDON_DEFINITION. */
export function benchAddonDefinition (): string {
  const def = JSON.parse(readFileSync(DEFAULT_ADDON_DEFINITION, 'utf8')) as { plans: unknown[] }
  def.plans.push({ slug: 'bench', name: 'Bench', price_cents_per_month: 0, driver: 'logs', limits: { retention_days: 2, lines_per_day: 2_000_000_000, requests_per_minute: 1_000_000, storage_mb: 10_000_000 } })
  const file = join(mkdtempSync(join(tmpdir(), 'addonkit-bench-')), 'addon.json')
  writeFileSync(file, JSON.stringify(def))
  return file
}
