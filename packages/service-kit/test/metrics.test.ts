import t, { type Test } from 'tap'
import { request } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { createTestDatabase, startTestNats } from '@addonkit/testkit'
import { loadConfig, EnvVarError, type MetricsConfig } from '@addonkit/config'
import { createBaseApp } from '../src/index.js'

const ON: MetricsConfig = { enabled: true, token: null, port: null, host: '127.0.0.1', topTenants: 0 }

async function app (t: Test, metrics: MetricsConfig) {
  const nats = await startTestNats(t)
  const a = await createBaseApp({ name: 'kit', errorPrefix: 'X', databaseUrl: await createTestDatabase(t), natsUrl: nats.url, logLevel: 'silent', metrics })
  t.teardown(() => a.close())
  return { app: a, nats }
}

function get (port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number, body: string, type: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }))
    }).on('error', reject).end()
  })
}

t.test('loopback: default process metrics, request durations by route, readiness', async (t) => {
  const { app: a, nats } = await app(t, ON)
  a.get('/things/:id', async () => ({ ok: true }))
  await a.inject('/things/secret-id-123')
  await a.inject('/things/other-id')
  const res = await a.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(res.body, /^process_cpu_seconds_total\{service="kit"\} \d/m, 'default process metrics, with the service label')
  t.match(res.body, /^nodejs_eventloop_lag_seconds/m)
  t.match(res.body, /^http_request_duration_seconds_count\{service="kit",method="GET",route="\/things\/:id",status_code="200"\} 2$/m, 'both requests under the route template')
  t.notMatch(res.body, /secret-id-123/, 'no path parameter becomes a label')
  t.match(res.body, /^addonkit_ready\{service="kit"\} 1$/m)
  await nats.stop()
  const down = await a.inject('/metrics')
  t.match(down.body, /^addonkit_ready\{service="kit"\} 0$/m, 'readiness is evaluated at scrape time')
})

t.test('not public: a proxied or remote peer is refused; a token admits a bearer only', async (t) => {
  const { app: a } = await app(t, ON)
  t.equal((await a.inject({ url: '/metrics', remoteAddress: '203.0.113.9' })).statusCode, 403, 'a remote peer')
  t.equal((await a.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } })).statusCode, 403, 'a loopback proxy forwarding someone else')

  const { app: b } = await app(t, { ...ON, token: 'metrics-token-0123456789' })
  t.equal((await b.inject('/metrics')).statusCode, 401, 'with a token set, loopback needs it too')
  t.equal((await b.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, 401)
  const ok = await b.inject({ url: '/metrics', remoteAddress: '203.0.113.9', headers: { authorization: 'Bearer metrics-token-0123456789' } })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, /process_cpu_seconds_total/)
})

t.test('METRICS_PORT serves them on a listener of their own; METRICS=off serves none', async (t) => {
  const { app: a } = await app(t, { ...ON, port: 0 })
  t.equal((await a.inject('/metrics')).statusCode, 404, 'not on the service port')
  await a.ready()

  const { app: c } = await app(t, { ...ON, enabled: false })
  t.equal((await c.inject('/metrics')).statusCode, 404)
  t.equal(c.metrics.enabled, false)
})

t.test('a separate listener answers /metrics only, with the token when one is set', async (t) => {
  const free = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)) })
  })
  const { app: a } = await app(t, { ...ON, port: free, token: 'metrics-token-0123456789' })
  await a.ready()
  t.equal((await get(free, '/metrics')).status, 401)
  const ok = await get(free, '/metrics', { authorization: 'Bearer metrics-token-0123456789' })
  t.equal(ok.status, 200)
  t.match(ok.body, /^addonkit_ready\{service="kit"\} 1$/m)
  t.equal((await get(free, '/readyz')).status, 404)
  await a.close()
  await t.rejects(get(free, '/metrics'), 'closed with the app')
})

t.test('config: METRICS, METRICS_TOKEN, METRICS_PORT and METRICS_TOP_TENANTS are validated once', async (t) => {
  const base = { DATABASE_URL: 'postgresql://u:p@127.0.0.1/db', NATS_URL: 'nats://127.0.0.1:4222' }
  t.same(loadConfig(base, []).metrics, ON)
  t.same(loadConfig({ ...base, METRICS: 'off' }, []).metrics.enabled, false)
  t.same(loadConfig({ ...base, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: 'x'.repeat(16), METRICS_TOP_TENANTS: '5' }, []).metrics, { enabled: true, token: 'x'.repeat(16), port: 9464, host: '0.0.0.0', topTenants: 5 })
  t.throws(() => loadConfig({ ...base, METRICS: 'maybe' }, []), EnvVarError)
  t.throws(() => loadConfig({ ...base, METRICS_TOKEN: 'short' }, []), /METRICS_TOKEN/)
  t.throws(() => loadConfig({ ...base, METRICS_PORT: '70000' }, []), /METRICS_PORT/)
  t.throws(() => loadConfig({ ...base, METRICS_TOP_TENANTS: '-1' }, []), /METRICS_TOP_TENANTS/)
})
