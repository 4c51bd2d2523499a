// Search of one tenant's stored log lines (table `log_lines`, written by the log-drain),
// newest first, with a cursor on (ts, seq) that the table's only index serves. Plain SQL
// through the raw pool: log_lines is partitioned and not in the Prisma schema. This module
// is the one place that reads the table for the logs page, so it can later be swapped for
// the log-drain's own store without touching the routes or views.
import type { Db } from '@addonkit/db'

type Pool = Db['pool']

export type LogSource = 'app' | 'heroku'

export interface LogSearch {
  /** Inclusive lower bound of ts. */
  from: Date
  /** Exclusive upper bound of ts. */
  to: Date
  /** Case-insensitive substring of the message. */
  text?: string
  source?: LogSource
  proc?: string
  /** Router status class: 2 for 2xx … 5 for 5xx. */
  statusClass?: number
  /** Prefix of the router request path. */
  path?: string
  /** Continue after this line (exclusive): the `next` of the previous page. */
  cursor?: LogCursor
  limit: number
}

export interface LogCursor { ts: Date, seq: string }

export interface LogLine {
  ts: Date
  seq: string
  source: string
  proc: string
  message: string
  status: number | null
  method: string | null
  path: string | null
  serviceMs: number | null
}

export type LogSearchResult =
  | { store: 'missing' }
  | { store: 'ready', lines: LogLine[], next: LogCursor | null }

/** The log tenant of an add-on instance (created by the allocator's logs driver), if any. */
export async function tenantOf (pool: Pool, instanceUuid: string): Promise<string | null> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM log_tenants WHERE instance_uuid = $1', [instanceUuid])
  return rows[0]?.id ?? null
}

/** Whether the log store's table exists (it is created by the log-drain's migration). */
export async function logStorePresent (pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ present: boolean }>("SELECT to_regclass('public.log_lines') IS NOT NULL AS present")
  return rows[0]?.present === true
}

interface Row { ts: Date, seq: string, source: string, proc_id: string, msg: string, status: number | null, method: string | null, path: string | null, service_ms: number | null }

export async function searchLogs (pool: Pool, tenantId: string, q: LogSearch): Promise<LogSearchResult> {
  if (!await logStorePresent(pool)) return { store: 'missing' }
  const params: unknown[] = [tenantId, q.from, q.to]
  const where = ['tenant_id = $1', 'ts >= $2', 'ts < $3']
  const add = (sql: (n: string) => string, value: unknown) => { params.push(value); where.push(sql(`$${params.length}`)) }
  if (q.cursor) {
    params.push(q.cursor.ts, q.cursor.seq)
    where.push(`(ts, seq) < ($${params.length - 1}, $${params.length}::bigint)`)
  }
  if (q.source) add((p) => `source = ${p}`, q.source)
  if (q.proc) add((p) => `proc_id = ${p}`, q.proc)
  if (q.statusClass) add((p) => `status >= ${p}::int * 100 AND status < ${p}::int * 100 + 100`, q.statusClass)
  if (q.path) add((p) => `starts_with(path, ${p})`, q.path)
  // No trigram index on msg, on purpose (see the log_store migration): the text search scans
  // the tenant's time range, which the (tenant_id, ts, seq) index narrows first.
  if (q.text) add((p) => `strpos(lower(msg), lower(${p})) > 0`, q.text)
  params.push(q.limit + 1)
  const { rows } = await pool.query<Row>(
    `SELECT ts, seq::text AS seq, source, proc_id, msg, status, method, path, service_ms
       FROM log_lines WHERE ${where.join(' AND ')}
      ORDER BY ts DESC, seq DESC LIMIT $${params.length}`, params)
  const more = rows.length > q.limit
  const lines = rows.slice(0, q.limit).map((r): LogLine => ({
    ts: r.ts, seq: r.seq, source: r.source, proc: r.proc_id, message: r.msg, status: r.status, method: r.method, path: r.path, serviceMs: r.service_ms
  }))
  const last = lines[lines.length - 1]
  return { store: 'ready', lines, next: more && last ? { ts: last.ts, seq: last.seq } : null }
}

/** A cursor as it travels in the "older" link: epoch milliseconds and seq. */
export function encodeCursor (c: LogCursor): string {
  return `${c.ts.getTime()}.${c.seq}`
}

export function decodeCursor (s: string | undefined): LogCursor | undefined {
  const m = s ? /^(\d{1,15})\.(\d{1,19})$/.exec(s) : null
  return m ? { ts: new Date(Number(m[1])), seq: m[2]! } : undefined
}
