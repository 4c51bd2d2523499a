// GET /metrics in Prometheus text format (prom-client): the process's default metrics, the
// HTTP request durations by route, readiness, and what the service registers itself
// (app.metrics.counter/gauge/histogram). One registry per app, so several apps in one
// process (tests) do not share series.
//
// Not public: without a token it answers only peers on loopback that came in directly (no
// X-Forwarded-For: a proxied request is from elsewhere); with METRICS_TOKEN it answers
// `Authorization: Bearer <token>` only; with METRICS_PORT it is served on that port alone
// (METRICS_HOST, loopback by default) and the service's own port does not serve it.
import { createServer, type Server } from 'node:http'
import { timingSafeEqual, createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client'
import type { MetricsConfig } from '@addonkit/config'

export interface ServiceMetrics {
  readonly registry: Registry
  /** False with METRICS=off: the factories still return working metrics, nothing serves them. */
  readonly enabled: boolean
  counter<L extends string = string> (c: Omit<CounterConfiguration<L>, 'registers'>): Counter<L>
  gauge<L extends string = string> (c: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L>
  histogram<L extends string = string> (c: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L>
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics
  }
}

/** Latency buckets in seconds, from 1 ms to 30 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export const DEFAULT_METRICS_CONFIG: MetricsConfig = { enabled: true, token: null, port: null, host: '127.0.0.1', topTenants: 0 }

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

function sameSecret (given: string, expected: string): boolean {
  // Hashes first, so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** Whether a request may read the metrics on the service's own port. */
export function metricsAllowed (config: MetricsConfig, remoteAddress: string | undefined, headers: Record<string, string | string[] | undefined>): boolean {
  if (config.token) {
    const auth = headers.authorization
    return typeof auth === 'string' && auth.startsWith('Bearer ') && sameSecret(auth.slice(7).trim(), config.token)
  }
  return remoteAddress !== undefined && LOOPBACK.has(remoteAddress) && headers['x-forwarded-for'] === undefined
}

export function createServiceMetrics (name: string, enabled: boolean): ServiceMetrics {
  const registry = new Registry()
  registry.setDefaultLabels({ service: name })
  if (enabled) collectDefaultMetrics({ register: registry })
  return {
    registry,
    enabled,
    counter: (c) => new Counter({ ...c, registers: [registry] }),
    gauge: (c) => new Gauge({ ...c, registers: [registry] }),
    histogram: (c) => new Histogram({ ...c, registers: [registry] })
  }
}

export interface MetricsPluginOptions { name: string, config: MetricsConfig, ready: () => Promise<boolean> }

async function metricsPlugin (app: FastifyInstance, opts: MetricsPluginOptions) {
  const metrics = createServiceMetrics(opts.name, opts.config.enabled)
  app.decorate('metrics', metrics)
  if (!opts.config.enabled) return

  const requests = metrics.histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its response being sent, by route template (unmatched for none).',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS
  })
  // One bound series per method, route and status, looked up by a string key: the label
  // object and its hash are made once, not on every response. The keys are bounded (route
  // templates, not paths; HTTP methods and statuses). A callback hook, not an async one.
  const series = new Map<string, { observe: (seconds: number) => void }>()
  app.addHook('onResponse', (req: FastifyRequest, reply, done) => {
    const route = req.routeOptions.url
    if (route !== '/metrics') {
      const key = `${req.method} ${reply.statusCode} ${route ?? ''}`
      let s = series.get(key)
      if (!s) { s = requests.labels({ method: req.method, route: route ?? 'unmatched', status_code: String(reply.statusCode) }); series.set(key, s) }
      s.observe(reply.elapsedTime / 1000)
    }
    done()
  })
  metrics.gauge({
    name: 'addonkit_ready',
    help: 'Whether the service\'s readiness checks pass (1) or not (0), as /readyz would answer now.',
    async collect () { this.set(await opts.ready().catch(() => false) ? 1 : 0) }
  })

  const render = async () => ({ body: await metrics.registry.metrics(), type: metrics.registry.contentType })
  if (opts.config.port === null) {
    app.get('/metrics', { logLevel: 'warn' }, async (req, reply) => {
      if (!metricsAllowed(opts.config, req.socket.remoteAddress, req.headers)) {
        return reply.code(opts.config.token ? 401 : 403).send({ id: 'forbidden', message: opts.config.token ? 'metrics need Authorization: Bearer <METRICS_TOKEN>' : 'metrics are served to loopback only; set METRICS_TOKEN or METRICS_PORT' })
      }
      const { body, type } = await render()
      return reply.type(type).send(body)
    })
    return
  }
  // A listener of its own: only /metrics, plain HTTP, on the metrics bind address.
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') { res.writeHead(404).end(); return }
    if (opts.config.token && !metricsAllowed(opts.config, undefined, req.headers)) { res.writeHead(401).end(); return }
    render().then(({ body, type }) => { res.writeHead(200, { 'content-type': type }).end(body) }, (err) => {
      app.log.error({ err }, 'metrics rendering failed')
      res.writeHead(500).end()
    })
  })
  app.addHook('onReady', () => new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.config.port!, opts.config.host, () => { server.off('error', reject); resolve() })
  }))
  app.addHook('onClose', () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections() }))
}

export default fp(metricsPlugin, { name: 'addonkit-metrics', fastify: '5.x' })
