// The log-drain's metrics, read at scrape time where they are state (the JetStream backlog
// and how old its oldest batch is, the writer's counters, tenants over quota today) and
// counted where they are events (drain answers and lines acknowledged, in routes/drain.ts).
// No tenant label, except in the opt-in top-N gauge (METRICS_TOP_TENANTS).
import type { FastifyInstance } from 'fastify'
import { overQuotaToday } from '@addonkit/log-store'
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream'
import { streams } from '@addonkit/contracts'

export function registerDrainMetrics (app: FastifyInstance, opts: { topTenants: number }): void {
  if (!app.metrics.enabled) return
  const m = app.metrics
  let jsm: Promise<JetStreamManager> | undefined

  // One stream read sets three gauges; the first registered does it (the registry renders in order).
  m.gauge({
    name: 'addonkit_jetstream_backlog_messages',
    help: 'Batches in the ingest stream not yet stored by the log writer (a work queue: a stored batch leaves it).',
    async collect () {
      try {
        jsm ??= jetstreamManager(app.nats, { timeout: 2000, checkAPI: false })
        const s = (await (await jsm).streams.info(streams.logIngest)).state
        this.set(s.messages)
        bytes.set(s.bytes)
        lag.set(s.messages > 0 && s.first_ts ? Math.max(0, (Date.now() - Date.parse(s.first_ts)) / 1000) : 0)
      } catch (err) {
        jsm = undefined
        app.log.warn({ err: (err as Error).message }, 'ingest stream metrics unavailable')
      }
    }
  })
  const bytes = m.gauge({ name: 'addonkit_jetstream_backlog_bytes', help: 'Bytes (as stored, mostly compressed) of the ingest stream\'s batches not yet stored.' })
  const lag = m.gauge({ name: 'addonkit_log_writer_lag_seconds', help: 'How long the oldest batch not yet stored has waited since it was acknowledged to the drain; 0 when none waits.' })

  // The writer's own counters (inline or in its thread), turned into monotonic counters.
  const fromStats = (name: string, help: string, read: () => number, labels?: Record<string, string>) => {
    let reported = 0
    m.counter({
      name,
      help,
      labelNames: labels ? Object.keys(labels) : [],
      collect () {
        const now = read()
        // An increase of 0 still makes the series exist from the first scrape (alerts need it).
        if (now >= reported) { labels ? this.inc(labels, now - reported) : this.inc(now - reported); reported = now }
      }
    })
  }
  const stats = () => app.hasDecorator('logWriter') ? app.logWriter.stats : null
  fromStats('addonkit_drain_lines_stored_total', 'Log lines the writer stored.', () => stats()?.lines ?? 0)
  fromStats('addonkit_drain_lines_dropped_total', 'Log lines not stored, by reason (quota: the plan\'s lines per day were used up).', () => stats()?.dropped ?? 0, { reason: 'quota' })
  fromStats('addonkit_log_writer_failures_total', 'Writer transactions that failed and were retried.', () => stats()?.failures ?? 0)

  m.gauge({
    name: 'addonkit_tenants_over_quota',
    help: 'Add-ons whose log lines were dropped today (UTC) because their plan\'s daily quota was used up.',
    async collect () {
      try {
        const over = await overQuotaToday(app.db.pool)
        this.set(over.length)
        if (top) {
          top.reset()
          for (const row of over.slice(0, opts.topTenants)) top.set({ tenant_id: row.tenantId }, row.dropped)
        }
      } catch (err) { app.log.warn({ err: (err as Error).message }, 'quota metrics unavailable') }
    }
  })
  const top = opts.topTenants > 0
    ? m.gauge({ name: 'addonkit_tenant_drain_lines_dropped_today', help: `Lines dropped over quota today (UTC) by the ${opts.topTenants} add-ons that dropped most (opt-in: METRICS_TOP_TENANTS).`, labelNames: ['tenant_id'] })
    : null
}
