import t from 'tap'
import { createPlatformClient, PlatformApiError } from '../src/index.js'
import { json, startServer } from './helper.js'

const UUID = '5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'

t.test('updateConfig sends the exact headers and body', async (t) => {
  const srv = await startServer((_req, res) => json(res, 200, [{ name: 'ACME_URL', value: 'https://x' }]))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url + '/', idUrl: srv.url, clientSecret: 'cs', userAgent: 'ua/1' })
  const out = await client.updateConfig(UUID, 'tok-1', { ACME_URL: 'https://x', ACME_OLD: null })
  t.same(out, [{ name: 'ACME_URL', value: 'https://x' }])
  const req = srv.requests[0]!
  t.equal(req.method, 'PATCH')
  t.equal(req.url, `/addons/${UUID}/config`)
  t.equal(req.headers.authorization, 'Bearer tok-1')
  t.equal(req.headers.accept, 'application/vnd.heroku+json; version=3')
  t.equal(req.headers['content-type'], 'application/json')
  t.equal(req.headers['user-agent'], 'ua/1')
  t.equal(req.headers['content-length'], String(req.body.length))
  t.equal(req.headers['transfer-encoding'], undefined)
  t.same(JSON.parse(req.body.toString()), { config: [{ name: 'ACME_URL', value: 'https://x' }, { name: 'ACME_OLD', value: null }] })
})

t.test('actions and getAddon hit the right paths', async (t) => {
  const srv = await startServer((req, res) => json(res, 200, { id: UUID, state: req.url.endsWith('deprovision') ? 'deprovisioned' : 'provisioned' }))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs' })
  t.same(await client.markProvisioned(UUID, 't'), { id: UUID, state: 'provisioned' })
  t.same(await client.markDeprovisioned(UUID, 't'), { id: UUID, state: 'deprovisioned' })
  await client.getAddon(UUID, 't')
  t.same(srv.requests.map((r) => `${r.method} ${r.url} ${r.headers['content-length'] ?? '-'}`), [
    `POST /addons/${UUID}/actions/provision 0`,
    `POST /addons/${UUID}/actions/deprovision 0`,
    `GET /addons/${UUID} -`
  ])
  for (const r of srv.requests) {
    t.equal(r.headers.accept, 'application/vnd.heroku+json; version=3')
    t.equal(r.headers.authorization, 'Bearer t')
  }
})

t.test('503 is retried until it succeeds', async (t) => {
  const srv = await startServer((_req, res, i) => i < 2 ? json(res, 503, { id: 'service_unavailable', message: 'try later' }) : json(res, 200, { ok: true }))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs', baseDelayMs: 5 })
  t.same(await client.getAddon(UUID, 't'), { ok: true })
  t.equal(srv.requests.length, 3)
})

t.test('429 waits for Retry-After', async (t) => {
  const times: number[] = []
  const srv = await startServer((_req, res, i) => {
    times.push(Date.now())
    if (i === 0) json(res, 429, { id: 'rate_limit', message: 'slow down' }, { 'Retry-After': '1' })
    else json(res, 200, { ok: true })
  })
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs', baseDelayMs: 1 })
  t.same(await client.markProvisioned(UUID, 't'), { ok: true })
  t.equal(srv.requests.length, 2)
  t.ok(times[1]! - times[0]! >= 950, `waited ${times[1]! - times[0]!} ms`)
})

t.test('a 4xx is not retried and carries Heroku\'s message and id', async (t) => {
  const srv = await startServer((_req, res) => json(res, 422, { id: 'invalid_params', message: 'Config var ACME_X is not in the manifest.' }))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs', baseDelayMs: 1 })
  const err = await client.updateConfig(UUID, 'secret-token', { ACME_X: 'v' }).catch((e: unknown) => e) as PlatformApiError
  t.type(err, PlatformApiError)
  t.equal(err.code, 'PLATFORM_UNPROCESSABLE')
  t.equal(err.status, 422)
  t.equal(err.retryable, false)
  t.equal(err.herokuId, 'invalid_params')
  t.match(err.message, /Config var ACME_X is not in the manifest/)
  t.notMatch(err.message, /secret-token/)
  t.equal(srv.requests.length, 1)
})

t.test('401 maps to PLATFORM_UNAUTHORIZED', async (t) => {
  const srv = await startServer((_req, res) => json(res, 401, { id: 'unauthorized', message: 'Invalid credentials provided.' }))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs' })
  await t.rejects(client.getAddon(UUID, 'expired'), { code: 'PLATFORM_UNAUTHORIZED', status: 401, herokuId: 'unauthorized', retryable: false })
})

t.test('exhausted retries throw a retryable error with the last status', async (t) => {
  const srv = await startServer((_req, res) => json(res, 500, { id: 'internal_server_error', message: 'boom' }))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs', maxAttempts: 3, baseDelayMs: 1 })
  const err = await client.markProvisioned(UUID, 't').catch((e: unknown) => e) as PlatformApiError
  t.equal(err.code, 'PLATFORM_RETRIES_EXHAUSTED')
  t.equal(err.retryable, true)
  t.equal(err.status, 500)
  t.equal(err.herokuId, 'internal_server_error')
  t.equal(srv.requests.length, 3)
})

t.test('a timed-out attempt is retried', async (t) => {
  const srv = await startServer((_req, res, i) => {
    if (i === 0) return // never answer the first attempt
    json(res, 200, { ok: true })
  })
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs', timeoutMs: 150, baseDelayMs: 1 })
  t.same(await client.getAddon(UUID, 't'), { ok: true })
  t.equal(srv.requests.length, 2)
})

t.test('network errors are retried, then reported with a cause', async (t) => {
  const srv = await startServer(() => {})
  const url = srv.url
  await srv.close()
  const client = createPlatformClient({ apiUrl: url, idUrl: url, clientSecret: 'cs', maxAttempts: 2, baseDelayMs: 1 })
  const err = await client.getAddon(UUID, 't').catch((e: unknown) => e) as PlatformApiError
  t.equal(err.code, 'PLATFORM_RETRIES_EXHAUSTED')
  t.equal(err.retryable, true)
  t.equal(err.status, undefined)
  t.ok(err.cause instanceof Error)
  t.match((err.cause as { code: string }).code, 'PLATFORM_NETWORK')
})

t.test('a token that cannot go in a header is refused without echoing it', async (t) => {
  const srv = await startServer((_req, res) => json(res, 200, {}))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs' })
  const err = await client.getAddon(UUID, 'tok\r\nX-Evil: 1').catch((e: unknown) => e) as PlatformApiError
  t.equal(err.code, 'PLATFORM_INVALID_ARGUMENT')
  t.equal(err.retryable, false)
  t.notMatch(err.message, /tok|Evil/)
  t.equal(srv.requests.length, 0)
})
