// Synthetic lines for benchmarks: millions of rows written by one INSERT … SELECT
// generate_series (minutes instead of hours through the writer), shaped like a real app's:
// half router lines, half app lines, spread evenly back in time from now.
import type pg from 'pg'

type Queryable = Pick<pg.Pool, 'query'>

export interface SyntheticLines {
  /** Every 10th line is this tenant's… */
  tenantId: string
  /** …the rest are spread over these. */
  others: string[]
  /** Line numbers from..to (inclusive): line g is g × stepMs before now. */
  from: number
  to: number
  stepMs: number
}

export async function fillSyntheticLines (pool: Queryable, o: SyntheticLines): Promise<void> {
  await pool.query(
    `INSERT INTO log_lines (tenant_id, expires_on, ts, source, proc_id, pri, msg, status, method, path, host, connect_ms, service_ms, bytes, request_id, dyno)
     SELECT CASE WHEN g % 10 = 0 THEN $1::uuid ELSE ($2::uuid[])[1 + (g % array_length($2::uuid[], 1))] END,
            ((now() - (g * $5::float8) * interval '1 millisecond') AT TIME ZONE 'UTC')::date + 2,
            now() - (g * $5::float8) * interval '1 millisecond',
            CASE WHEN g % 2 = 0 THEN 'heroku' ELSE 'app' END,
            CASE WHEN g % 2 = 0 THEN 'router' ELSE 'web.' || (g % 4 + 1) END,
            CASE WHEN g % 2 = 0 THEN 158 ELSE 190 END,
            CASE WHEN g % 2 = 0 THEN 'at=info method=GET path="/api/orders/' || (g % 5000) || '" host=shop-prod.herokuapp.com request_id=' || md5(g::text) || ' fwd="203.0.113.7" dyno=web.1 connect=1ms service=' || (g % 900) || 'ms status=' || CASE WHEN g % 40 = 0 THEN 503 ELSE 200 END || ' bytes=1234 protocol=https'
                 ELSE 'Completed 200 OK in ' || (g % 300) || 'ms (Views: 3.1ms | ActiveRecord: 1.2ms) order=' || g END,
            CASE WHEN g % 2 = 0 THEN CASE WHEN g % 40 = 0 THEN 503 ELSE 200 END END,
            CASE WHEN g % 2 = 0 THEN 'GET' END,
            CASE WHEN g % 2 = 0 THEN '/api/orders/' || (g % 5000) END,
            CASE WHEN g % 2 = 0 THEN 'shop-prod.herokuapp.com' END,
            CASE WHEN g % 2 = 0 THEN 1 END,
            CASE WHEN g % 2 = 0 THEN g % 900 END,
            CASE WHEN g % 2 = 0 THEN 1234 END,
            CASE WHEN g % 2 = 0 THEN md5(g::text) END,
            CASE WHEN g % 2 = 0 THEN 'web.1' END
       FROM generate_series($3::bigint, $4::bigint) g`,
    [o.tenantId, o.others, o.from, o.to, o.stepMs])
}

/** Refreshes the planner's statistics of the lines (after a bulk load). */
export async function analyzeLines (pool: Queryable): Promise<void> {
  await pool.query('ANALYZE log_lines')
}

/** A tenant's stored lines since a time. */
export async function countLinesSince (pool: Queryable, tenantId: string, since: Date): Promise<number> {
  const r = await pool.query<{ n: string }>('SELECT count(*) AS n FROM log_lines WHERE tenant_id = $1 AND ts >= $2', [tenantId, since])
  return Number(r.rows[0]!.n)
}

/** Lines the writer counted for a tenant, over every day kept. */
export async function linesCounted (pool: Queryable, tenantId: string): Promise<number> {
  const r = await pool.query<{ n: string | null }>('SELECT sum(lines) AS n FROM log_usage_daily WHERE tenant_id = $1', [tenantId])
  return Number(r.rows[0]?.n ?? 0)
}
