// Benchmark of the postgres driver's allocate against a bare CREATE DATABASE, both on a
// throwaway embedded PostgreSQL started for this run (fsync off, like the tests). Prints a
// markdown table: p50/p99 latency and allocations per second at 1 and 8 concurrent.
//   node --import tsx --conditions=addonkit-source bench/allocate-postgres.ts [count]
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startPostgresServer } from '@addonkit/infra'
import type { AddonDefinition, PlanDefinition } from '@addonkit/config'
import type { Db } from '@addonkit/db'
import type { KeyRing } from '@addonkit/secrets'
import type { DriverContext } from '../src/drivers/driver.js'
import { createPostgresDriver } from '../src/drivers/postgres-driver.js'

const COUNT = Number(process.argv[2] ?? 40)

interface Result { name: string, concurrency: number, count: number, p50: number, p99: number, perSecond: number }

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)]!
}

async function measure (name: string, concurrency: number, count: number, fn: (i: number) => Promise<unknown>): Promise<Result> {
  const times: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++
      const t0 = performance.now()
      await fn(i)
      times.push(performance.now() - t0)
    }
  }))
  const total = performance.now() - started
  times.sort((a, b) => a - b)
  return { name, concurrency, count, p50: percentile(times, 50), p99: percentile(times, 99), perSecond: count / (total / 1000) }
}

const dir = mkdtempSync(join(tmpdir(), 'addonkit-bench-pg-'))
const server = await startPostgresServer({ dataDir: join(dir, 'data'), persistent: false })
try {
  const admin = new pg.Pool({ connectionString: server.adminUrl, max: 10 })
  admin.on('error', () => {})
  const driver = createPostgresDriver({ adminUrl: server.adminUrl, poolSize: 10 })
  const plan: PlanDefinition = { slug: 'db', name: 'DB', price_cents_per_month: 0, driver: 'postgres', limits: { connection_limit: 10, statement_timeout_ms: 5000, storage_mb: 1000 } }
  const addon = { id: 'bench', name: 'Bench', config_vars_prefix: 'BENCH', config_vars: ['BENCH_DATABASE_URL'], plans: [plan] } as unknown as AddonDefinition
  // allocate touches only the resource cluster: the platform database and key ring are unused.
  const ctx = (): DriverContext => ({
    instance: { uuid: randomUUID(), plan: plan.slug, region: 'us', options: {}, logDrainToken: null },
    plan, addon, db: undefined as unknown as Db, keyRing: undefined as unknown as KeyRing, drainPublicUrl: 'http://127.0.0.1', credentialGraceSeconds: 300
  })
  // Warm-up: first CREATE DATABASE and first connections are slower.
  await admin.query('CREATE DATABASE bench_warm')
  await driver.allocate(ctx())

  const results: Result[] = []
  for (const concurrency of [1, 8]) {
    results.push(await measure('bare CREATE DATABASE', concurrency, COUNT, (i) => admin.query(`CREATE DATABASE "bare_${concurrency}_${i}"`)))
    results.push(await measure('driver.allocate', concurrency, COUNT, () => driver.allocate(ctx())))
  }
  await driver.close()
  await admin.end()

  const f = (n: number) => n.toFixed(1)
  const lines = [
    `allocate-postgres: ${COUNT} operations per row, embedded PostgreSQL (fsync off), ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| operation | concurrency | p50 ms | p99 ms | per second |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${r.name} | ${r.concurrency} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.perSecond)} |`),
    ''
  ]
  for (const c of [1, 8]) {
    const bare = results.find((r) => r.concurrency === c && r.name.startsWith('bare'))!
    const alloc = results.find((r) => r.concurrency === c && r.name === 'driver.allocate')!
    lines.push(`concurrency ${c}: allocate p50 = ${(alloc.p50 / bare.p50).toFixed(2)} × bare CREATE DATABASE; throughput ${(alloc.perSecond / bare.perSecond).toFixed(2)} × bare`)
  }
  process.stdout.write(lines.join('\n') + '\n')
} finally {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
