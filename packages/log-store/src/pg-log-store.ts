// The PostgreSQL LogStore. append() is the writer's transaction: dedupe row, quota, COPY
// and counters commit together, so a redelivered batch is skipped (exactly once) and the
// quota can never be overrun by concurrent writers (the tenant's counter row is locked).
// search() reads one tenant's time range through the (tenant_id, ts, seq) index (backwards)
// and filters the rest (text with ILIKE) on the rows of that range: no trigram index,
// because it would cut COPY throughput ~14× (see README "Search").
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import copyStreams from 'pg-copy-streams'
import { COPY_COLUMNS, COPY_HEADER, COPY_TRAILER, MIN_FRAME_BYTES, SEQ_BLOCK_BITS, encodeBatch, type EncodedBatch, type SeqRange } from './copy-binary.js'
import { decodeCursor, encodeCursor } from './cursor.js'
import { inTransaction } from './pg-transaction.js'
import { WindowAggregator, emptyWindow, mergeWindow, toStored, type RouterWindow } from '@addonkit/autoscale'
import { dropExpiredPartitions, ensurePartitions, partitionName, utcDay } from './pg-partitions.js'
import type { AppendOutcome, IncomingBatch, LogStore, PreparedBatch, SearchLine, SearchQuery, SearchResult, TenantUsage } from './log-store.js'

const { from: copyFrom } = copyStreams

/**
 * `log_lines_seq` advances by this much per nextval (migration log_lines_seq_blocks): one
 * nextval reserves a block of seq values that the writer numbers its rows from, instead of
 * PostgreSQL evaluating the column default once per row.
 */
export const SEQ_BLOCK = 1 << SEQ_BLOCK_BITS

/** A batch encoded as COPY rows (copy-binary.ts), with the seq values it reserved and its router-metric windows. */
interface PgPrepared extends PreparedBatch { readonly encoded: EncodedBatch, readonly seq: SeqRange, readonly windows: RouterWindow[], readonly routerUnparsed: number }

interface LineRow {
  seq: string
  ts: Date
  ts_raw: string | null
  source: string
  proc_id: string
  msg: string
  status: number | null
  method: string | null
  path: string | null
  host: string | null
  connect_ms: number | null
  service_ms: number | null
  bytes: string | null
  request_id: string | null
  dyno: string | null
}

const LINE_COLUMNS = 'seq, ts, ts_raw, source, proc_id, msg, status, method, path, host, connect_ms, service_ms, bytes, request_id, dyno'

function toSearchLine (r: LineRow): SearchLine {
  const line: SearchLine = { id: r.seq, ts: r.ts.toISOString(), source: r.source, proc: r.proc_id, message: r.msg }
  if (r.ts_raw !== null) line.timestamp_sent = r.ts_raw
  if (r.method !== null || r.status !== null) {
    line.router = {
      status: r.status, method: r.method, path: r.path, host: r.host, connect_ms: r.connect_ms, service_ms: r.service_ms,
      bytes: r.bytes === null ? null : Number(r.bytes), request_id: r.request_id, dyno: r.dyno
    }
  }
  return line
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, '\\$&')
const hasCase = (c: string) => c.toLowerCase() !== c.toUpperCase()

/**
 * The predicates of a case-insensitive substring search, cheapest first. A text search
 * scans the tenant's time range (no trigram index, see the top of this file), so the cost
 * per row decides its latency. Measured here on 40,000 rows: LIKE ~30 ms, ILIKE under the
 * database's C.UTF-8 collation ~85 ms, ILIKE under "C" ~60 ms. Hence:
 * - a query without any cased character (`12345`, `/api/orders/7`) means the same with
 *   LIKE, which is used alone;
 * - otherwise its longest run of 3+ uncased characters (`=12345` in `order=12345`) is
 *   checked with LIKE first, so ILIKE only runs on the rows that contain it;
 * - an ASCII query uses ILIKE under the "C" collation (ASCII case folding; the rows'
 *   non-ASCII characters cannot fold to an ASCII letter of the query, except a few
 *   compatibility characters such as the Kelvin sign);
 * - anything else uses ILIKE under the database collation.
 */
export function textPredicates (text: string): Array<[string, string]> {
  const chars = [...text]
  if (!chars.some(hasCase)) return [["msg LIKE $? ESCAPE '\\'", `%${likeEscape(text)}%`]]
  const out: Array<[string, string]> = []
  let best = ''
  let run = ''
  for (const c of chars) {
    if (hasCase(c)) { run = ''; continue }
    run += c
    if (run.length > best.length) best = run
  }
  if ([...best].length >= 3) out.push(["msg LIKE $? ESCAPE '\\'", `%${likeEscape(best)}%`])
  const ascii = /^[\x00-\x7f]*$/.test(text)
  out.push([ascii ? "msg ILIKE $? COLLATE \"C\" ESCAPE '\\'" : "msg ILIKE $? ESCAPE '\\'", `%${likeEscape(text)}%`])
  return out
}

/**
 * Runs a search as what it is, a walk of one tenant's time range through the
 * `(tenant_id, ts, seq)` index, newest first, stopping at the page's end: without parallel
 * workers, bitmap scans or sequential scans. The planner's row estimate for "this tenant, this hour" comes
 * from table-wide statistics, and when one tenant has just sent millions of lines it can be
 * 6× too high (measured: 248,881 estimated, 40,648 real); it then chose a parallel bitmap
 * scan of the whole range plus a sort, 167 ms instead of ~85 ms for the ordered walk, and
 * p95 over 300 ms with ingestion running beside it. With bitmap scans off, a later full
 * benchmark run (a day's partition of 23 M lines, 18 M of them another tenant's) got a
 * sequential scan of that partition instead: 17–24 s for a text search of one hour that
 * the index walk answers in ~0.35 s cold (EXPLAIN ANALYZE of both). The settings are local to the
 * transaction; it costs two round trips more than a bare query (BEGIN and the settings,
 * COMMIT).
 */
export function orderedScan<R extends pg.QueryResultRow> (pool: pg.Pool, sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
  return inTransaction(pool, 'BEGIN READ ONLY; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off', (c) => c.query<R>(sql, params))
}

/** Streams the rows of each expiry day into that day's partition. */
async function copyRows (client: pg.PoolClient, byDay: Map<number, Buffer[]>): Promise<void> {
  // COPY straight into each expiry day's partition: the writer knows where every row
  // goes, and skipping PostgreSQL's per-row tuple routing makes COPY cheaper.
  for (const [day, chunks] of byDay) {
    await pipeline(Readable.from([COPY_HEADER, ...chunks, COPY_TRAILER]), client.query(copyFrom(`COPY "${partitionName(utcDay(day * 86_400_000))}" (${COPY_COLUMNS}) FROM STDIN (FORMAT binary)`)))
  }
}

/** The smaller of two daily quotas, null meaning none. */
function minQuota (a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b)
}

/** Orders [key, value] entries by key: every transaction takes its locks in this order. */
const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0)

/** Thrown inside a transaction whose unlocked quota check a concurrent transaction made wrong. */
class QuotaRace extends Error {}

/**
 * One append transaction. Several may run at once (the writer keeps two in flight), also for
 * the same tenant, so the daily quota is checked in one of two ways:
 * - unlocked (`lockFirst` false), when the lines already counted plus this transaction's fit
 *   the quota of every (tenant, day): nothing is dropped, the rows are copied, and the
 *   counters are added to at the very end, which locks their rows only until COMMIT. If the
 *   sums returned then exceed a quota (another transaction committed lines meanwhile), the
 *   transaction fails with QuotaRace and nothing of it is kept;
 * - locked, when the quota may be reached, and on that retry: the counter rows are locked
 *   before the rows are copied, so the lines to keep are exact.
 * Either way a quota is never overrun. Locks are always taken in the same order (batch ids,
 * then counter rows, each sorted), so two transactions cannot deadlock.
 */
async function appendIn (client: pg.PoolClient, batches: PgPrepared[], lockFirst: boolean): Promise<AppendOutcome[]> {
  const outcomes: AppendOutcome[] = batches.map(() => ({ duplicate: true }))
  // 1. Exactly once: a batch id already recorded (a retry after commit, a redelivery after a
  //    crash between commit and ack) inserts nothing and is skipped. Duplicates inside this
  //    call are settled first, since one INSERT returns one row per key.
  const firstOf = new Map<string, number>()
  batches.forEach(({ batch: b }, i) => { const k = `${b.tenantId}\n${b.batchId}`; if (!firstOf.has(k)) firstOf.set(k, i) })
  const uniq = [...firstOf.entries()].sort(byKey).map(([, i]) => i)
  const ins = await client.query<{ tenant_id: string, batch_id: string }>(
    `INSERT INTO log_batches (tenant_id, batch_id, lines)
     SELECT t, b, n FROM unnest($1::uuid[], $2::text[], $3::int[]) WITH ORDINALITY AS u(t, b, n, o) ORDER BY o
     ON CONFLICT DO NOTHING RETURNING tenant_id, batch_id`,
    [uniq.map((i) => batches[i]!.batch.tenantId), uniq.map((i) => batches[i]!.batch.batchId), uniq.map((i) => batches[i]!.lines)])
  const fresh = ins.rows.map((r) => firstOf.get(`${r.tenant_id}\n${r.batch_id}`)!).sort((a, b) => a - b)
  if (fresh.length === 0) return outcomes

  type CounterRow = { tenant_id: string, day: string, lines: string, notified: boolean }
  // 2. The (tenant, day) counters, in a fixed order, and how much of each quota is left.
  //    `used` and `notified` come from the database; the rest is this transaction's.
  const counters = new Map<string, { tenantId: string, day: string, quota: number | null, adding: number, used: number, notified: boolean, lines: number, dropped: number, bytes: number, loss: number, notifyNow: boolean }>()
  for (const i of fresh) {
    const p = batches[i]!
    const k = `${p.batch.tenantId}|${p.batch.day}`
    const c = counters.get(k)
    // The smallest quota of the key's batches (they differ when the plan changed while the
    // group was read): the unlocked path is only taken, and only kept, within it.
    if (c) { c.adding += p.lines; c.quota = minQuota(c.quota, p.batch.linesPerDay) } else counters.set(k, { tenantId: p.batch.tenantId, day: p.batch.day, quota: p.batch.linesPerDay, adding: p.lines, used: 0, notified: false, lines: 0, dropped: 0, bytes: 0, loss: 0, notifyNow: false })
  }
  const ordered = [...counters.entries()].sort(byKey).map(([, c]) => c)
  const keyParams = [ordered.map((c) => c.tenantId), ordered.map((c) => c.day)]
  const readRows = (rows: CounterRow[]) => { for (const r of rows) { const c = counters.get(`${r.tenant_id}|${r.day}`)!; c.used = Number(r.lines); c.notified = r.notified } }
  const lockRows = () => client.query<CounterRow>(
    `INSERT INTO log_usage_daily (tenant_id, day) SELECT t, d FROM unnest($1::uuid[], $2::date[]) WITH ORDINALITY AS u(t, d, o)
       ORDER BY o
     ON CONFLICT (tenant_id, day) DO UPDATE SET lines = log_usage_daily.lines
     RETURNING tenant_id, to_char(day, 'YYYY-MM-DD') AS day, lines, quota_notified_at IS NOT NULL AS notified`, keyParams)
  let locked = lockFirst
  if (locked) readRows((await lockRows()).rows)
  else {
    readRows((await client.query<CounterRow>(
      `SELECT tenant_id, to_char(day, 'YYYY-MM-DD') AS day, lines, quota_notified_at IS NOT NULL AS notified
       FROM log_usage_daily WHERE (tenant_id, day) IN (SELECT * FROM unnest($1::uuid[], $2::date[]))`, keyParams)).rows)
    if (ordered.some((c) => c.quota !== null && c.used + c.adding > c.quota)) {
      locked = true
      readRows((await lockRows()).rows)
    }
  }

  // 3. Quota: keep the first lines up to lines_per_day, drop (and count) the rest. A batch cut
  //    by the quota is encoded again with only its first lines (same seq values).
  const byDay = new Map<number, Buffer[]>()
  for (const i of fresh) {
    const p = batches[i]!
    const b = p.batch
    const c = counters.get(`${b.tenantId}|${b.day}`)!
    const room = b.linesPerDay === null ? p.lines : Math.max(0, b.linesPerDay - c.used - c.lines)
    const keep = Math.min(room, p.lines)
    const dropped = p.lines - keep
    let quotaReached = false
    if (dropped > 0 && !c.notified) { c.notified = true; c.notifyNow = true; quotaReached = true }
    const encoded = keep === p.lines ? p.encoded : encodeBatch(b.body, { tenantId: b.tenantId, receivedAt: b.receivedAt, retentionDays: b.retentionDays, seq: p.seq, limit: keep })
    for (const [day, chunks] of encoded.days) { const list = byDay.get(day); if (list) list.push(...chunks); else byDay.set(day, [...chunks]) }
    c.bytes += encoded.bytes
    c.lines += keep
    c.dropped += dropped
    c.loss += p.encoded.reportedLoss
    outcomes[i] = { duplicate: false, stored: keep, dropped, quotaReached, windows: p.windows, routerUnparsed: p.routerUnparsed }
  }

  // 4. The lines, their router-metric windows, then the counters, in the same transaction.
  await copyRows(client, byDay)
  await addWindows(client, fresh.flatMap((i) => batches[i]!.windows))
  const params = [...keyParams, ordered.map((c) => c.lines), ordered.map((c) => c.dropped), ordered.map((c) => c.bytes), ordered.map((c) => c.loss), ordered.map((c) => c.notifyNow)]
  if (locked) {
    await client.query(
      `UPDATE log_usage_daily u SET lines = u.lines + v.lines, dropped = u.dropped + v.dropped, bytes = u.bytes + v.bytes,
         reported_loss = u.reported_loss + v.loss, quota_notified_at = CASE WHEN v.notify THEN now() ELSE u.quota_notified_at END
       FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bool[]) AS v(t, d, lines, dropped, bytes, loss, notify)
       WHERE u.tenant_id = v.t AND u.day = v.d`, params)
  } else {
    // Nothing was dropped on this path (so no notice either): add, and check the sums.
    const sums = await client.query<{ tenant_id: string, day: string, lines: string }>(
      `INSERT INTO log_usage_daily AS u (tenant_id, day, lines, dropped, bytes, reported_loss)
       SELECT t, d, lines, dropped, bytes, loss FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
         WITH ORDINALITY AS v(t, d, lines, dropped, bytes, loss, o) ORDER BY o
       ON CONFLICT (tenant_id, day) DO UPDATE SET lines = u.lines + EXCLUDED.lines, dropped = u.dropped + EXCLUDED.dropped,
         bytes = u.bytes + EXCLUDED.bytes, reported_loss = u.reported_loss + EXCLUDED.reported_loss
       RETURNING tenant_id, to_char(day, 'YYYY-MM-DD') AS day, lines`, params.slice(0, 6))
    for (const r of sums.rows) {
      const quota = counters.get(`${r.tenant_id}|${r.day}`)!.quota
      if (quota !== null && Number(r.lines) > quota) throw new QuotaRace()
    }
  }
  return outcomes
}

/**
 * Adds windows into router_windows (autoscaling): rows of the same window merge by adding,
 * so windows that two writers, or two batches, saw parts of end up whole. Keys are merged
 * here first and written in a fixed order, like every other lock this transaction takes.
 */
/** Adds router-metric windows to the stored ones (merged per tenant, process type and window start). */
export async function addWindows (client: Pick<pg.Pool, 'query'>, windows: RouterWindow[]): Promise<void> {
  if (windows.length === 0) return
  const merged = new Map<string, RouterWindow>()
  for (const w of windows) {
    const k = `${w.app}|${w.processType}|${String(w.start).padStart(15, '0')}`
    const m = merged.get(k)
    if (m) mergeWindow(m, w); else merged.set(k, mergeWindow(emptyWindow(w.app, w.processType, w.start), w))
  }
  const rows = [...merged.entries()].sort(byKey).map(([, w], o) => ({ o, t: w.app, ...toStored(w) }))
  await client.query(
    `INSERT INTO router_windows AS w (tenant_id, process_type, window_start, requests, statuses, errors, service, connect, queue, load_sum, load_samples, load_max)
     SELECT t, "processType", to_timestamp(start / 1000.0), requests, statuses, errors, service, connect, queue, "loadSum", "loadSamples", "loadMax"
       FROM jsonb_to_recordset($1::jsonb) AS x(o int, t uuid, "processType" text, start bigint, requests int, statuses int[], errors jsonb, service int[], connect int[], queue int[], "loadSum" float8, "loadSamples" int, "loadMax" float8)
      ORDER BY o
     ON CONFLICT (tenant_id, process_type, window_start) DO UPDATE SET
       requests = w.requests + EXCLUDED.requests,
       statuses = addonkit_int_array_add(w.statuses, EXCLUDED.statuses),
       errors = addonkit_jsonb_counts_add(w.errors, EXCLUDED.errors),
       service = addonkit_int_array_add(w.service, EXCLUDED.service),
       connect = addonkit_int_array_add(w.connect, EXCLUDED.connect),
       queue = addonkit_int_array_add(w.queue, EXCLUDED.queue),
       load_sum = w.load_sum + EXCLUDED.load_sum,
       load_samples = w.load_samples + EXCLUDED.load_samples,
       load_max = greatest(w.load_max, EXCLUDED.load_max)`,
    [JSON.stringify(rows)])
}

/**
 * The one search of stored lines, for the data API and the dashboard alike: one tenant's
 * lines within its current retention (older ones are invisible at once, even before their
 * partition is dropped, e.g. after a downgrade), newest first, a page at a time.
 */
export async function searchLines (pool: pg.Pool, q: SearchQuery): Promise<SearchResult> {
  const params: unknown[] = [q.tenantId]
  const where = ['tenant_id = $1']
  const add = (sql: string, value: unknown) => { params.push(value); where.push(sql.replaceAll('$?', `$${params.length}`)) }
  // Retention: lines older than the tenant's current retention are invisible at once,
  // even before their partition is dropped (e.g. after a downgrade).
  const floor = Date.now() - q.retentionDays * 86_400_000
  add('ts >= $?', new Date(Math.max(floor, q.since ?? floor)))
  if (q.until !== undefined) add('ts < $?', new Date(q.until))
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor)
    add('ts <= $?', new Date(c.ts))
    params.push(new Date(c.ts), c.seq)
    where.push(`(ts, seq) < ($${params.length - 1}, $${params.length}::bigint)`)
  }
  if (q.text) for (const [sql, value] of textPredicates(q.text)) add(sql, value)
  if (q.source) add('source = $?', q.source)
  if (q.proc) {
    // `web` matches every web dyno (web.1, web.2, …); `web.1` only that one.
    if (q.proc.includes('.')) add('proc_id = $?', q.proc)
    else add("(proc_id = $? OR proc_id LIKE $?::text || '.%')", q.proc)
  }
  if (q.status) { add('status >= $?', q.status.min); add('status <= $?', q.status.max) }
  if (q.path) {
    if (q.path.endsWith('*')) add("path LIKE $? ESCAPE '\\'", `${q.path.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`)
    else add('path = $?', q.path)
  }
  params.push(q.limit + 1)
  const r = await orderedScan<LineRow>(pool,
    `SELECT ${LINE_COLUMNS} FROM log_lines WHERE ${where.join(' AND ')} ORDER BY ts DESC, seq DESC LIMIT $${params.length}`, params)
  const more = r.rows.length > q.limit
  const rows = more ? r.rows.slice(0, q.limit) : r.rows
  const last = rows[rows.length - 1]
  return { lines: rows.map(toSearchLine), nextCursor: more && last ? encodeCursor({ ts: last.ts.getTime(), seq: last.seq }) : null }
}

/** The newest `limit` lines within retention (oldest first), to prime a live tail. */
export async function tailLines (pool: pg.Pool, tenantId: string, retentionDays: number, limit: number): Promise<SearchLine[]> {
  const r = await pool.query<LineRow>(
    `SELECT ${LINE_COLUMNS} FROM log_lines WHERE tenant_id = $1 AND ts >= $2 ORDER BY ts DESC, seq DESC LIMIT $3`,
    [tenantId, new Date(Date.now() - retentionDays * 86_400_000), limit])
  return r.rows.reverse().map(toSearchLine)
}

/** A tenant's counters: lines, drops and reported loss of today (UTC), and the bytes stored over the days within retention. */
export async function tenantUsage (pool: Pick<pg.Pool, 'query'>, tenantId: string, retentionDays: number): Promise<TenantUsage> {
  const r = await pool.query<{ lines: string | null, dropped: string | null, loss: string | null, bytes: string | null }>(
    `SELECT sum(lines) FILTER (WHERE day = (now() AT TIME ZONE 'UTC')::date) AS lines,
            sum(dropped) FILTER (WHERE day = (now() AT TIME ZONE 'UTC')::date) AS dropped,
            sum(reported_loss) FILTER (WHERE day = (now() AT TIME ZONE 'UTC')::date) AS loss,
            sum(bytes) AS bytes
       FROM log_usage_daily WHERE tenant_id = $1 AND day > (now() AT TIME ZONE 'UTC')::date - $2::int - 1`,
    [tenantId, retentionDays])
  const row = r.rows[0]
  return { linesToday: Number(row?.lines ?? 0), droppedToday: Number(row?.dropped ?? 0), reportedLossToday: Number(row?.loss ?? 0), storedBytes: Number(row?.bytes ?? 0) }
}

/**
 * Deletes everything stored for a tenant: its lines (each partition searched through its
 * (tenant_id, ts, seq) index), usage counters, de-duplication rows and router windows, so
 * its usage reads zero afterwards.
 */
export async function purgeTenantData (pool: Pick<pg.Pool, 'query'>, tenantId: string): Promise<void> {
  await pool.query('DELETE FROM log_lines WHERE tenant_id = $1', [tenantId])
  await pool.query('DELETE FROM log_usage_daily WHERE tenant_id = $1', [tenantId])
  await pool.query('DELETE FROM log_batches WHERE tenant_id = $1', [tenantId])
  await pool.query('DELETE FROM router_windows WHERE tenant_id = $1', [tenantId])
}

export function createPgLogStore (pool: pg.Pool): LogStore {
  /** Expiry days known to have a partition (filled lazily; partitions are never recreated). */
  const known = new Set<string>()

  async function ensureDays (days: Set<string>): Promise<void> {
    let missing = false
    for (const d of days) if (!known.has(d)) { missing = true; break }
    if (!missing) return
    await ensurePartitions(pool, days)
    for (const d of days) known.add(d)
  }

  /**
   * Hands out seq values from blocks of SEQ_BLOCK (one nextval each): a batch of up to n
   * lines gets a range inside the current block when it fits, else fresh blocks. Gaps are
   * harmless (seq only orders lines of the same millisecond and continues cursors).
   */
  let block = 0
  let used = SEQ_BLOCK
  async function takeSeq (n: number): Promise<SeqRange> {
    if (used + n <= SEQ_BLOCK) { const r = { blocks: [block], from: used }; used += n; return r }
    const k = Math.ceil(n / SEQ_BLOCK)
    const blocks = (await pool.query<{ v: string }>("SELECT nextval('log_lines_seq') AS v FROM generate_series(1, $1)", [k])).rows.map((r) => Number(r.v))
    block = blocks[k - 1]!
    used = n - (k - 1) * SEQ_BLOCK
    return { blocks, from: 0 }
  }

  return {
    async prepare (batch: IncomingBatch): Promise<PgPrepared> {
      const seq = await takeSeq(Math.ceil(batch.body.length / MIN_FRAME_BYTES))
      const metrics = new WindowAggregator()
      const encoded = encodeBatch(batch.body, { tenantId: batch.tenantId, receivedAt: batch.receivedAt, retentionDays: batch.retentionDays, seq, metrics })
      return { batch, lines: encoded.frames, encoded, seq, windows: metrics.flushAll(), routerUnparsed: metrics.counters.unparsed }
    },

    async append (prepared) {
      const batches = prepared as PgPrepared[]
      if (batches.length === 0) return []
      const days = new Set<string>()
      for (const b of batches) for (const d of b.encoded.days.keys()) days.add(utcDay(d * 86_400_000))
      await ensureDays(days)
      try {
        try {
          return await inTransaction(pool, 'BEGIN', (client) => appendIn(client, batches, false))
        } catch (err) {
          // Another transaction used up the quota this one counted on: nothing was stored; once
          // more with the counter rows locked from the start.
          if (!(err instanceof QuotaRace)) throw err
          return await inTransaction(pool, 'BEGIN', (client) => appendIn(client, batches, true))
        }
      } catch (err) {
        // A partition dropped or never created behind our back: forget what we knew.
        if ((err as { code?: string }).code === '23514' || (err as { code?: string }).code === '42P01') known.clear()
        throw err
      }
    },

    search: (q) => searchLines(pool, q),
    tail: (tenantId, retentionDays, limit) => tailLines(pool, tenantId, retentionDays, limit),

    usage: (tenantId, retentionDays) => tenantUsage(pool, tenantId, retentionDays),

    purgeTenant: (tenantId) => purgeTenantData(pool, tenantId),

    async maintain (horizonDays) {
      const now = Date.now()
      const days: string[] = []
      // Lines are clamped to receipt ± 1 day, so expiry days run from today to
      // today + longest retention + 1; one more day of margin for the date change.
      for (let d = 0; d <= horizonDays + 2; d++) days.push(utcDay(now, d))
      const created = await ensurePartitions(pool, days)
      for (const d of days) known.add(d)
      const dropped = await dropExpiredPartitions(pool, utcDay(now))
      if (dropped > 0) for (const d of [...known]) if (d < utcDay(now)) known.delete(d)
      // Logplex retries within minutes and JetStream redelivers within hours: dedupe rows
      // older than a few days can go.
      await pool.query("DELETE FROM log_batches WHERE stored_at < now() - interval '3 days'")
      // Autoscaling reads the last minutes and the dashboard the last day.
      await pool.query("DELETE FROM router_windows WHERE window_start < now() - interval '1 day'")
      return { created, dropped }
    }
  }
}
