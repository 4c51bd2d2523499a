// What the log-drain benchmarks share: a PostgreSQL of their own when the caller gave none,
// and an add-on definition with a `bench` plan whose limits a benchmark never reaches.
import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ADDON_DEFINITION } from '@addonkit/config'
import { migrate, startPostgresServer } from '@addonkit/infra'

/**
 * Without a PostgreSQL from the caller (ADDONKIT_TEST_PG_ADMIN_URL), an embedded one of the
 * benchmark's own, durable (fsync on, as `npm start` runs it), with the migrated template
 * database the test helper clones; removed by the teardowns.
 */
export async function ownPostgres (teardowns: Array<() => unknown>): Promise<void> {
  if (process.env.ADDONKIT_TEST_PG_ADMIN_URL) return
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-bench-pg-'))
  teardowns.push(() => rmSync(dir, { recursive: true, force: true }))
  const pgServer = await startPostgresServer({ dataDir: join(dir, 'pg'), persistent: true })
  teardowns.push(() => pgServer.stop())
  await pgServer.ensureDatabase('bench_template')
  await migrate(pgServer.urlFor('bench_template'))
  process.env.ADDONKIT_TEST_PG_ADMIN_URL = pgServer.adminUrl
  process.env.ADDONKIT_TEST_TEMPLATE_DB = 'bench_template'
}

/** The default definition plus plan `bench`, written to a file for ADDON_DEFINITION. */
export function benchAddonDefinition (): string {
  const def = JSON.parse(readFileSync(DEFAULT_ADDON_DEFINITION, 'utf8')) as { plans: unknown[] }
  def.plans.push({ slug: 'bench', name: 'Bench', price_cents_per_month: 0, driver: 'logs', limits: { retention_days: 2, lines_per_day: 2_000_000_000, requests_per_minute: 1_000_000, storage_mb: 10_000_000 } })
  const file = join(mkdtempSync(join(tmpdir(), 'addonkit-bench-')), 'addon.json')
  writeFileSync(file, JSON.stringify(def))
  return file
}
