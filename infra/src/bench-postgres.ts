// A PostgreSQL of a benchmark's own, for the platform harness outside `npm test`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgresServer } from '@addonkit/local-servers'
import { migrate } from './stack.js'

/**
 * Without a PostgreSQL from the caller (ADDONKIT_TEST_PG_ADMIN_URL), starts an embedded one
 * with a migrated template database, and points the harness's createTestDatabase at it;
 * removed by `t`'s teardown steps. `durable: true` (default) keeps fsync on, as
 * `npm start` runs it; `false` is the throwaway setting the tests use.
 */
export async function ownPostgres (t: { teardown (fn: () => unknown): void }, opts: { durable?: boolean } = {}): Promise<void> {
  if (process.env.ADDONKIT_TEST_PG_ADMIN_URL) return
  const add = (fn: () => unknown) => t.teardown(fn)
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-bench-pg-'))
  add(() => rmSync(dir, { recursive: true, force: true }))
  const pgServer = await startPostgresServer({ dataDir: join(dir, 'pg'), persistent: opts.durable ?? true })
  add(() => pgServer.stop())
  await pgServer.ensureDatabase('bench_template')
  await migrate(pgServer.urlFor('bench_template'))
  process.env.ADDONKIT_TEST_PG_ADMIN_URL = pgServer.adminUrl
  process.env.ADDONKIT_TEST_TEMPLATE_DB = 'bench_template'
}
