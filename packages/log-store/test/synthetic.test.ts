// The benchmarks' bulk loader writes lines the search reads like any others.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { createTestDatabase } from '@addonkit/testkit'
import { analyzeLines, countLinesSince, createPgLogStore, fillSyntheticLines, searchLines } from '../src/index.js'

t.test('synthetic lines: one in ten is the tenant\'s, spread back from now, searchable', async (t) => {
  const pool = new pg.Pool({ connectionString: await createTestDatabase(t), max: 2 })
  pool.on('error', () => {})
  t.teardown(() => pool.end())
  await createPgLogStore(pool).maintain(7)
  const tenantId = randomUUID()
  const others = [randomUUID(), randomUUID(), randomUUID()]
  await fillSyntheticLines(pool, { tenantId, others, from: 0, to: 999, stepMs: 60_000 }) // one line a minute, back ~16.6 h
  await analyzeLines(pool)
  t.equal(await countLinesSince(pool, tenantId, new Date(Date.now() - 24 * 3_600_000)), 100, 'every 10th line')
  t.equal(await countLinesSince(pool, tenantId, new Date(Date.now() - 3_600_000 + 1000)), 6, 'g = 0, 10, …, 50 in the last hour')
  const r = await searchLines(pool, { tenantId, retentionDays: 2, status: { min: 500, max: 599 }, limit: 100 })
  t.equal(r.lines.length, 25, 'router lines with a 503 (g % 40 = 0)')
  t.ok(r.lines.every((l) => l.router?.status === 503 && l.source === 'heroku'))
  t.equal(await countLinesSince(pool, others[0]!, new Date(0)) + await countLinesSince(pool, others[1]!, new Date(0)) + await countLinesSince(pool, others[2]!, new Date(0)), 900, 'the rest are the others\'')
})
