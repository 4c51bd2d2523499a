// The PostgreSQL store on its own, against a real database: what the binary COPY encoded
// from a Logplex body reads back exactly (multi-byte text; NUL and invalid UTF-8; NULL
// fields, numbers too large for their column; clamped timestamps in their expiry day's
// partition), seq keeps the order of lines within one millisecond across several appends,
// a batch id is stored once, and a batch over the quota is cut.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { createTestDatabase, type Teardown } from '@addonkit/testkit'
import { createPgLogStore, orderedScan, textPredicates } from '../src/pg-log-store.js'
import { PARTITION_OPTIONS, partitionName, utcDay } from '../src/pg-partitions.js'
import type { IncomingBatch } from '../src/log-store.js'
import { FramingError, encodeFrames } from '@addonkit/logplex'

/** A Logplex body from raw frames (octet counting around each, no trailing LF added). */
function rawBody (...frames: Buffer[]): Buffer {
  return Buffer.concat(frames.flatMap((f) => [Buffer.from(`${f.length} `), f]))
}

/** A store on a fresh database with its partitions, and a tenant id. */
async function freshStore (t: Teardown) {
  const url = await createTestDatabase(t)
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  // The database's teardown (DROP … WITH (FORCE)) may come first and end idle connections:
  // the pool reports that as an error event, which would otherwise throw (seen on CI).
  pool.on('error', () => {})
  t.teardown(() => pool.end())
  const store = createPgLogStore(pool)
  await store.maintain(30)
  const tenantId = randomUUID()
  const now = Date.now()
  const incoming = (batchId: string, body: Buffer, over: Partial<IncomingBatch> = {}): IncomingBatch => ({ tenantId, batchId, day: utcDay(now), retentionDays: 7, linesPerDay: null, body, receivedAt: now, ...over })
  // Prepared one after the other, as the writer does: seq then follows the batches' order.
  const append = async (...batches: IncomingBatch[]) => { const ps = []; for (const b of batches) ps.push(await store.prepare(b)); return store.append(ps) }
  return { url, pool, store, tenantId, now, incoming, append }
}

t.test('binary COPY round trip', async (t) => {
  const { pool, store, tenantId, now, incoming, append } = await freshStore(t)
  const ts = new Date(now).toISOString()
  const routerMsg = 'at=error code=H12 desc="Request timeout" method=GET path="/a b/ü" host=x.herokuapp.com request_id=r-1 fwd="1.2.3.4" dyno=web.1 connect=1ms service=30001ms status=503 bytes=123456789012 protocol=https'
  // Valid UTF-8 without NUL: the COPY rows carry the body's bytes as they are.
  const valid = encodeFrames([
    { pri: 190, timestamp: ts, appName: 'app', procId: 'web.1', message: 'plain' },
    { pri: 0, timestamp: 'not-a-time', appName: 'app', procId: 'web.1', message: 'tab\there\nnewline \\ backslash ü€😀' },
    { pri: 158, timestamp: ts, appName: 'heroku', procId: 'router', message: routerMsg },
    { pri: 158, timestamp: ts, appName: 'heroku', procId: 'router', message: 'at=error code=H10 method=GET path="/a b/ü" host=x.herokuapp.com dyno= connect=99999999999ms service= status=999999 bytes=' },
    { pri: 191, timestamp: ts, appName: 'app', procId: 'web.2', message: 'x'.repeat(20_000) },
    // Two days old: clamped to a day before the receipt, so it expires (and is stored) a day earlier.
    { pri: 190, timestamp: new Date(now - 2 * 86_400_000).toISOString(), appName: 'app', procId: 'web.3', message: 'old clock' }
  ])
  // NUL and an invalid sequence (a UTF-16 surrogate written as UTF-8): each field is decoded instead.
  const invalid = rawBody(Buffer.concat([Buffer.from(`<190>1 ${ts} host app web.4 - NUL[`), Buffer.from([0]), Buffer.from('] lone['), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(']\n')]))
  const out = await append(incoming('b1', valid), incoming('b1b', invalid))
  t.same(out.map((o) => o.duplicate), [false, false])
  const again = await append(incoming('b1', valid), incoming('b2', encodeFrames([{ timestamp: ts, appName: 'app', procId: 'web.1', message: 'second append' }])))
  t.equal(again[0]!.duplicate, true, 'the same batch id is not stored twice')
  t.equal(again[1]!.duplicate, false)

  const r = await store.search({ tenantId, retentionDays: 7, limit: 100 })
  // Newest first: same millisecond, so the order is seq's: the second append's line, then the first's in reverse.
  t.same(r.lines.map((l) => l.message.slice(0, 12)), ['second appen', 'NUL[\uFFFD] lone[', 'x'.repeat(12), 'at=error cod', 'at=error cod', 'tab\there\nnew', 'plain', 'old clock'])
  const byMsg = new Map(r.lines.map((l) => [l.message.slice(0, 5), l]))
  const [absurd, router] = r.lines.filter((l) => l.router)
  t.equal(byMsg.get('tab\th')!.message, 'tab\there\nnewline \\ backslash ü€😀', 'text exact')
  t.equal(byMsg.get('NUL[\uFFFD')!.message, 'NUL[\uFFFD] lone[\uFFFD\uFFFD\uFFFD]', 'NUL and each byte of an invalid sequence become U+FFFD')
  t.equal(byMsg.get('tab\th')!.timestamp_sent, 'not-a-time')
  t.equal(byMsg.get('tab\th')!.ts, new Date(now).toISOString(), 'a timestamp that is not RFC 3339: the receipt time')
  t.equal(byMsg.get('plain')!.ts, ts, 'timestamp to the millisecond')
  t.equal(byMsg.get('old c')!.ts, new Date(now - 86_400_000).toISOString(), 'clamped to the receipt time - 1 day')
  t.same(router!.router, { status: 503, method: 'GET', path: '/a b/ü', host: 'x.herokuapp.com', connect_ms: 1, service_ms: 30001, bytes: 123456789012, request_id: 'r-1', dyno: 'web.1' })
  t.same(absurd!.router, { status: null, method: 'GET', path: '/a b/ü', host: 'x.herokuapp.com', connect_ms: null, service_ms: null, bytes: null, request_id: null, dyno: null }, 'numbers beyond their column are NULL, not a failed transaction')
  t.equal(byMsg.get('xxxxx')!.message.length, 20_000)
  t.same(r.lines.map((l) => l.proc), ['web.1', 'web.4', 'web.2', 'router', 'router', 'web.1', 'web.1', 'web.3'])
  const ids = r.lines.filter((l) => l.message !== 'old clock').map((l) => BigInt(l.id))
  t.ok(ids.every((id, i) => i === 0 || id < ids[i - 1]!), 'seq strictly decreasing in the newest-first order')
  const rows = await pool.query('SELECT expires_on::text AS e, count(*)::int AS n FROM log_lines WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1', [tenantId])
  t.same(rows.rows, [{ e: utcDay(now - 86_400_000, 7), n: 1 }, { e: utcDay(now, 7), n: 7 }], 'every row in the partition of its expiry day')
})

t.test('a batch cut by the daily quota stores its first lines, counts the rest, and L10 loss in all of it', async (t) => {
  const { store, tenantId, now, incoming, append } = await freshStore(t)
  const ts = new Date(now).toISOString()
  const body = encodeFrames([
    ...Array.from({ length: 5 }, (_, i) => ({ timestamp: ts, appName: 'app', procId: 'web.1', message: `line ${i}` })),
    { pri: 172, timestamp: ts, appName: 'heroku', procId: 'logplex', message: 'Error L10 (output buffer overflow): 7 messages dropped since 2026-11-27T00:00:00+00:00.' }
  ])
  const out = await append(incoming('q1', body, { linesPerDay: 4 }))
  t.same(out, [{ duplicate: false, stored: 4, dropped: 2, quotaReached: true, windows: [], routerUnparsed: 0 }], 'no router lines: no windows')
  t.same((await store.search({ tenantId, retentionDays: 7, limit: 100 })).lines.map((l) => l.message), ['line 3', 'line 2', 'line 1', 'line 0'])
  const usage = await store.usage(tenantId, 7)
  t.equal(usage.linesToday, 4)
  t.equal(usage.droppedToday, 2)
  t.equal(usage.reportedLossToday, 7, 'the L10 frame past the quota still counts')
})

t.test('a group whose batches carry different quotas (a plan change) is held to the smallest', async (t) => {
  const { pool, tenantId, now, incoming, append } = await freshStore(t)
  const ts = new Date(now).toISOString()
  const lines = (tag: string) => encodeFrames(Array.from({ length: 10 }, (_, i) => ({ timestamp: ts, appName: 'app', procId: 'web.1', message: `${tag} ${i}` })))
  // Read before and after a downgrade: the first batch has no quota, the second one of 15.
  const out = await append(incoming('p1', lines('before')), incoming('p2', lines('after'), { linesPerDay: 15 }))
  t.same(out, [{ duplicate: false, stored: 10, dropped: 0, quotaReached: false, windows: [], routerUnparsed: 0 }, { duplicate: false, stored: 5, dropped: 5, quotaReached: true, windows: [], routerUnparsed: 0 }])
  const row = await pool.query<{ lines: string, dropped: string, notified: boolean }>('SELECT lines, dropped, quota_notified_at IS NOT NULL AS notified FROM log_usage_daily WHERE tenant_id = $1', [tenantId])
  t.same(row.rows, [{ lines: '15', dropped: '5', notified: true }], 'counted under the lock, and the notice recorded once')
})

t.test('transactions at once for one tenant never overrun its quota, and store every line once', async (t) => {
  const { url, pool, store, tenantId, now, incoming } = await freshStore(t)
  const ts = new Date(now).toISOString()
  // 12 batches of 10 lines against a quota of 35, as 12 concurrent transactions (the pool
  // runs 4 at a time). The first 4 are held at their COPY by a lock on the partition until
  // all 4 have read the counter unlocked (0 used, 10 to add: fits), so their checks are
  // made wrong by each other for certain.
  const prepared = []
  for (let b = 0; b < 12; b++) prepared.push(await store.prepare(incoming(`c${b}`, encodeFrames(Array.from({ length: 10 }, (_, i) => ({ timestamp: ts, appName: 'app', procId: 'web.1', message: `b${b} l${i}` }))), { linesPerDay: 35 })))
  const holder = new pg.Client({ connectionString: url })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query(`BEGIN; LOCK TABLE "${partitionName(utcDay(now, 7))}" IN SHARE MODE`)
  const appending = Promise.all(prepared.map((p) => store.append([p])))
  for (let i = 0; i < 200; i++) {
    const w = await holder.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'")
    if (w.rows[0]!.n >= 4) break
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  await holder.query('COMMIT')
  const outs = (await appending).flat()
  const stored = outs.reduce((a, o) => a + (o.duplicate ? 0 : o.stored), 0)
  t.equal(stored, 35, 'exactly the quota is stored')
  t.equal(outs.filter((o) => !o.duplicate && o.quotaReached).length, 1, 'one batch reports reaching the quota')
  const usage = await store.usage(tenantId, 7)
  t.same([usage.linesToday, usage.droppedToday], [35, 85])
  const rows = await pool.query<{ n: number, d: number }>('SELECT count(*)::int AS n, count(DISTINCT msg)::int AS d FROM log_lines WHERE tenant_id = $1', [tenantId])
  t.same(rows.rows[0], { n: 35, d: 35 }, 'each stored line once')
  // And without a quota, at once, every line of every batch.
  const free = []
  for (let b = 0; b < 8; b++) free.push(await store.prepare(incoming(`f${b}`, encodeFrames(Array.from({ length: 10 }, (_, i) => ({ timestamp: ts, appName: 'app', procId: 'web.2', message: `f${b} l${i}` }))))))
  const again = [...free, free[0]!]
  await Promise.all(again.map((p) => store.append([p])))
  t.equal((await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM log_lines WHERE tenant_id = $1 AND proc_id = 'web.2'", [tenantId])).rows[0]!.n, 80, 'a batch appended twice at once is stored once')
})

t.test('a body that is not Logplex framing is refused by prepare', async (t) => {
  const { store, incoming } = await freshStore(t)
  await t.rejects(store.prepare(incoming('bad', Buffer.from('12 <190>1 short'))), FramingError)
})

t.test('text search: case-insensitive substring, whichever predicates serve it', async (t) => {
  const { store, tenantId, now, incoming, append } = await freshStore(t)
  const messages = ['Order=12345 done', 'order=12345', 'ORDER=99', 'Über Straße', 'x_y%z', 'xAy z', '12345', 'plain']
  await append(incoming('b', encodeFrames(messages.map((message) => ({ timestamp: new Date(now).toISOString(), appName: 'app', procId: 'web.1', message })))))
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
