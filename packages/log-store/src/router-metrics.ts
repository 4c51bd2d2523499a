// Metrics from a tenant's `heroku router` lines (source 'heroku', proc 'router', a status):
// requests, responses by status class and p50/p95 service time, per time bucket, computed
// by PostgreSQL (date_bin, count FILTER, percentile_cont) over one range of the index. Empty
// buckets are filled with zeros here so charts and tables have a point for every bucket.
// Also the router-metric windows the writer stores with each batch (router_windows), which
// autoscaling reads.
import type pg from 'pg'
import { fromStored, type RouterWindow } from '@addonkit/autoscale'
import { tenantCreatedAt } from './tenants.js'

type Pool = Pick<pg.Pool, 'query'>

export interface MetricsWindow {
  id: 'hour' | 'day'
  label: string
  bucketMs: number
  buckets: number
}

export const WINDOWS: MetricsWindow[] = [
  { id: 'hour', label: 'Last hour, per minute', bucketMs: 60_000, buckets: 60 },
  { id: 'day', label: 'Last day, per 15 minutes', bucketMs: 15 * 60_000, buckets: 96 }
]

export interface MetricsBucket {
  start: Date
  requests: number
  /** requests divided by the bucket's minutes. */
  perMinute: number
  s2xx: number
  s3xx: number
  s4xx: number
  s5xx: number
  /** Median and 95th percentile of service time in ms; null when no request reported one. */
  p50: number | null
  p95: number | null
}

export interface MetricsSeries { window: MetricsWindow, from: Date, to: Date, buckets: MetricsBucket[] }

interface Row { bucket: Date, requests: number, s2xx: number, s3xx: number, s4xx: number, s5xx: number, p50: number | null, p95: number | null }

// Buckets are aligned to this origin (a whole UTC day), so minutes and quarter hours are
// the clock's.
const ORIGIN = new Date('2000-01-01T00:00:00Z')

export async function routerMetrics (pool: Pool, tenantId: string, w: MetricsWindow, now: Date): Promise<MetricsSeries> {
  const last = Math.floor(now.getTime() / w.bucketMs) * w.bucketMs
  const from = new Date(last - (w.buckets - 1) * w.bucketMs)
  const to = new Date(last + w.bucketMs)
  const rows: Row[] = (await pool.query<Row>(
        `SELECT date_bin(make_interval(secs => $4::int / 1000), ts, $5::timestamptz) AS bucket,
                count(*)::int AS requests,
                count(*) FILTER (WHERE status BETWEEN 200 AND 299)::int AS s2xx,
                count(*) FILTER (WHERE status BETWEEN 300 AND 399)::int AS s3xx,
                count(*) FILTER (WHERE status BETWEEN 400 AND 499)::int AS s4xx,
                count(*) FILTER (WHERE status BETWEEN 500 AND 599)::int AS s5xx,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY service_ms) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY service_ms) AS p95
           FROM log_lines
          WHERE tenant_id = $1 AND ts >= $2 AND ts < $3
            AND source = 'heroku' AND proc_id = 'router' AND status IS NOT NULL
          GROUP BY 1 ORDER BY 1`, [tenantId, from, to, w.bucketMs, ORIGIN])).rows
  const byStart = new Map(rows.map((r) => [new Date(r.bucket).getTime(), r]))
  const minutes = w.bucketMs / 60_000
  const buckets: MetricsBucket[] = []
  for (let i = 0; i < w.buckets; i++) {
    const start = from.getTime() + i * w.bucketMs
    const r = byStart.get(start)
    const round = (v: number | null | undefined) => v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10
    buckets.push({
      start: new Date(start),
      requests: r?.requests ?? 0,
      perMinute: Math.round(((r?.requests ?? 0) / minutes) * 100) / 100,
      s2xx: r?.s2xx ?? 0, s3xx: r?.s3xx ?? 0, s4xx: r?.s4xx ?? 0, s5xx: r?.s5xx ?? 0,
      p50: round(r?.p50), p95: round(r?.p95)
    })
  }
  return { window: w, from, to, buckets }
}

/** The router-metric windows of an add-on's app since `since` (epoch ms), oldest first. */
export async function recentWindows (pool: Pool, instanceUuid: string, since: number): Promise<RouterWindow[]> {
  const r = await pool.query<{ process_type: string, start: string, requests: number, statuses: number[], errors: Record<string, number>, service: number[], connect: number[], queue: number[], load_sum: number, load_samples: number, load_max: number }>(
    `SELECT w.process_type, (extract(epoch from w.window_start) * 1000)::bigint AS start, w.requests, w.statuses, w.errors, w.service, w.connect, w.queue, w.load_sum, w.load_samples, w.load_max
       FROM router_windows w JOIN log_tenants t ON t.id = w.tenant_id
      WHERE t.instance_uuid = $1 AND w.window_start >= $2
      ORDER BY w.window_start`, [instanceUuid, new Date(since)])
  return r.rows.map((x) => fromStored(instanceUuid, { processType: x.process_type, start: Number(x.start), requests: x.requests, statuses: x.statuses, errors: x.errors, service: x.service, connect: x.connect, queue: x.queue, loadSum: x.load_sum, loadSamples: x.load_samples, loadMax: x.load_max }))
}

/**
 * Since when an add-on's router metrics are complete: its tenant's creation (the drain
 * starts then), or a day ago (windows are kept a day). null: the add-on has no drain.
 */
export async function metricsSince (pool: Pool, instanceUuid: string, now = Date.now()): Promise<number | null> {
  const created = await tenantCreatedAt(pool, instanceUuid)
  return created ? Math.max(created.getTime(), now - 24 * 3600_000) : null
}
