// The PostgreSQL store on its own, against a real database: what the binary COPY writes
// reads back exactly (multi-byte text, NUL, lone surrogates, NULL fields, numbers too large
// for their column), seq keeps the order of lines within one millisecond across several
// appends, and a batch id is stored once.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { createTestDatabase, type Teardown } from '@addonkit/testkit'
import { createPgLogStore, orderedScan, textPredicates } from '../src/store/pg-log-store.js'
import { PARTITION_OPTIONS, utcDay } from '../src/store/pg-partitions.js'
import type { AppendBatch, StoredLine } from '../src/store/log-store.js'

const router = (over: Record<string, unknown> = {}) => ({ method: 'GET', path: '/a b/ü', host: 'x.herokuapp.com', status: 503, connectMs: 1, serviceMs: 30001, bytes: 123456789012, dyno: 'web.1', requestId: 'r-1', ...over })

/** A store on a fresh database with its partitions, and a tenant id. */
async function freshStore (t: Teardown) {
  const pool = new pg.Pool({ connectionString: await createTestDatabase(t), max: 4 })
  t.teardown(() => pool.end())
  const store = createPgLogStore(pool)
  await store.maintain(30)
  return { pool, store, tenantId: randomUUID(), now: Date.now() }
}

t.test('binary COPY round trip', async (t) => {
  const { pool, store, tenantId, now } = await freshStore(t)
  const lines: StoredLine[] = [
    { ts: now, tsRaw: null, source: 'app', procId: 'web.1', pri: 190, message: 'plain', router: null },
    { ts: now, tsRaw: 'not-a-time', source: 'app', procId: 'web.1', pri: 0, message: 'tab\there\nnewline \\ backslash ü€😀 NUL[\0] lone[\ud800]', router: null },
    { ts: now, tsRaw: null, source: 'heroku', procId: 'router', pri: 158, message: 'router line', router: router() as StoredLine['router'] },
    { ts: now, tsRaw: null, source: 'heroku', procId: 'router', pri: 158, message: 'absurd numbers', router: router({ status: 999999, connectMs: 99999999999, serviceMs: null, bytes: null, dyno: '', requestId: '' }) as StoredLine['router'] },
    { ts: now, tsRaw: null, source: 'app', procId: 'web.2', pri: 191, message: 'x'.repeat(20_000), router: null }
  ]
  const batch = (batchId: string, ls: StoredLine[]): AppendBatch => ({ tenantId, batchId, day: utcDay(now), retentionDays: 7, linesPerDay: null, lines: ls, reportedLoss: 0 })
  const out = await store.append([batch('b1', lines)])
  t.equal(out[0]!.duplicate, false)
  const again = await store.append([batch('b1', lines), batch('b2', [{ ...lines[0]!, message: 'second append' }])])
  t.equal(again[0]!.duplicate, true, 'the same batch id is not stored twice')
  t.equal(again[1]!.duplicate, false)

  const r = await store.search({ tenantId, retentionDays: 7, limit: 100 })
  // Newest first: same millisecond, so the order is seq's: the second append's line, then the first's in reverse.
  t.same(r.lines.map((l) => l.message.slice(0, 12)), ['second appen', 'x'.repeat(12), 'absurd numbe', 'router line', 'tab\there\nnew', 'plain'])
  const byMsg = new Map(r.lines.map((l) => [l.message.slice(0, 5), l]))
  t.equal(byMsg.get('tab\th')!.message, 'tab\there\nnewline \\ backslash ü€😀 NUL[\uFFFD] lone[\uFFFD]', 'text exact; NUL and a lone surrogate become U+FFFD')
  t.equal(byMsg.get('tab\th')!.timestamp_sent, 'not-a-time')
  t.equal(byMsg.get('tab\th')!.ts, new Date(now).toISOString(), 'timestamp to the millisecond')
  t.same(byMsg.get('route')!.router, { status: 503, method: 'GET', path: '/a b/ü', host: 'x.herokuapp.com', connect_ms: 1, service_ms: 30001, bytes: 123456789012, request_id: 'r-1', dyno: 'web.1' })
  t.same(byMsg.get('absur')!.router, { status: null, method: 'GET', path: '/a b/ü', host: 'x.herokuapp.com', connect_ms: null, service_ms: null, bytes: null, request_id: null, dyno: null }, 'numbers beyond their column are NULL, not a failed transaction')
  t.equal(byMsg.get('xxxxx')!.message.length, 20_000)
  const ids = r.lines.map((l) => BigInt(l.id))
  t.ok(ids.every((id, i) => i === 0 || id < ids[i - 1]!), 'seq strictly decreasing in the newest-first order')
  const rows = await pool.query("SELECT expires_on::text AS e, count(*)::int AS n FROM log_lines WHERE tenant_id = $1 GROUP BY 1", [tenantId])
  t.same(rows.rows, [{ e: utcDay(now, 7), n: 6 }], 'every row in the partition of its expiry day')
})

t.test('text search: case-insensitive substring, whichever predicates serve it', async (t) => {
  const { store, tenantId, now } = await freshStore(t)
  const messages = ['Order=12345 done', 'order=12345', 'ORDER=99', 'Über Straße', 'x_y%z', 'xAy z', '12345', 'plain']
  await store.append([{ tenantId, batchId: 'b', day: utcDay(now), retentionDays: 7, linesPerDay: null, reportedLoss: 0, lines: messages.map((message) => ({ ts: now, tsRaw: null, source: 'app', procId: 'web.1', pri: 190, message, router: null })) }])
  const find = async (text: string) => (await store.search({ tenantId, retentionDays: 7, limit: 100, text })).lines.map((l) => l.message).sort()
  t.same(await find('order=12345'), ['Order=12345 done', 'order=12345'], 'prefilter on "=12345", then ILIKE')
  t.same(await find('12345'), ['12345', 'Order=12345 done', 'order=12345'], 'no cased character: LIKE alone')
  t.same(await find('ORDER'), ['ORDER=99', 'Order=12345 done', 'order=12345'], 'ASCII query, any case')
  t.same(await find('über'), ['Über Straße'], 'non-ASCII query folds non-ASCII case')
  t.same(await find('STRASSE'), [], 'a substring search, not a collation-aware equality')
  t.same(await find('x_y%'), ['x_y%z'], '_ and % are literal')
  t.same(await find('nothing'), [])
  t.same(textPredicates('order=12345').map(([sql]) => sql.split(' ')[1]), ['LIKE', 'ILIKE'])
  t.same(textPredicates('/api/7').length, 1)
})

t.test('searches run without parallel workers, bitmap or sequential scans, and only they do', async (t) => {
  const { pool } = await freshStore(t)
  const settings = "SELECT current_setting('max_parallel_workers_per_gather') AS workers, current_setting('enable_bitmapscan') AS bitmap, current_setting('enable_seqscan') AS seq, current_setting('transaction_read_only') AS ro"
  const inside = await orderedScan<{ workers: string, bitmap: string, seq: string, ro: string }>(pool, settings, [])
  t.same(inside.rows[0], { workers: '0', bitmap: 'off', seq: 'off', ro: 'on' })
  // The settings were local to the search's transaction: every pooled connection is back to the defaults.
  const clients = await Promise.all([pool.connect(), pool.connect()])
  for (const c of clients) {
    const r = await c.query<{ workers: string, bitmap: string, seq: string, ro: string }>(settings)
    t.not(r.rows[0]!.workers, '0')
    t.equal(r.rows[0]!.bitmap, 'on')
    t.equal(r.rows[0]!.seq, 'on')
    t.equal(r.rows[0]!.ro, 'off')
    c.release()
  }
  // A failing search leaves no transaction open behind it.
  await t.rejects(orderedScan(pool, 'SELECT 1/0', []), /division by zero/)
  const after = await pool.query<{ ro: string }>("SELECT current_setting('transaction_read_only') AS ro")
  t.equal(after.rows[0]!.ro, 'off')
})

t.test('partitions are created with insert-triggered vacuum off, and older ones get it', async (t) => {
  const { pool, store } = await freshStore(t)
  const options = async () => (await pool.query<{ relname: string, reloptions: string[] | null }>(
    `SELECT c.relname, c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'log_lines'::regclass ORDER BY 1`)).rows
  const made = await options()
  t.ok(made.length >= 30, `${made.length} partitions`)
  t.same(made.filter((r) => !r.reloptions?.includes(PARTITION_OPTIONS)), [], 'every partition has the option')
  // A partition made before the option existed: the next maintenance sets it.
  const old = made[1]!.relname
  await pool.query(`ALTER TABLE "${old}" RESET (autovacuum_vacuum_insert_threshold)`)
  t.equal((await options()).find((r) => r.relname === old)!.reloptions, null)
  await store.maintain(30)
  t.same((await options()).find((r) => r.relname === old)!.reloptions, [PARTITION_OPTIONS])
})
