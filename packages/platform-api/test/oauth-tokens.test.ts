import t from 'tap'
import { createPlatformClient, needsRefresh, PlatformApiError } from '../src/index.js'
import { json, startServer } from './helper.js'

const tokenBody = { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 28800, token_type: 'Bearer', user_id: 'u', session_nonce: null }

t.test('exchangeGrant posts exactly the three form fields and reads the tokens', async (t) => {
  const srv = await startServer((_req, res) => json(res, 200, tokenBody))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url + '/api', idUrl: srv.url + '/id/', clientSecret: 's3cret&=x', userAgent: 'test-agent/1' })
  const before = Date.now()
  const tokens = await client.exchangeGrant('code-123')
  const req = srv.requests[0]!
  t.equal(req.method, 'POST')
  t.equal(req.url, '/id/oauth/token')
  t.equal(req.headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(req.headers['user-agent'], 'test-agent/1')
  t.equal(req.headers['content-length'], String(req.body.length))
  t.equal(req.body.toString(), 'grant_type=authorization_code&code=code-123&client_secret=s3cret%26%3Dx')
  t.same([...new URLSearchParams(req.body.toString()).entries()], [['grant_type', 'authorization_code'], ['code', 'code-123'], ['client_secret', 's3cret&=x']])
  t.equal(tokens.accessToken, 'at-1')
  t.equal(tokens.refreshToken, 'rt-1')
  const ms = tokens.expiresAt.getTime() - before
  t.ok(ms >= 28_800_000 - 5 && ms <= 28_800_000 + 2000, 'expiresAt is now + expires_in')
})

t.test('refresh sends grant_type=refresh_token and keeps the old refresh token when none comes back', async (t) => {
  const srv = await startServer((_req, res, i) => json(res, 200, i === 0
    ? { access_token: 'at-2', expires_in: 60, token_type: 'Bearer' }
    : { access_token: 'at-3', refresh_token: 'rt-new', expires_in: 60 }))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs' })
  const a = await client.refresh('rt-old')
  t.same([...new URLSearchParams(srv.requests[0]!.body.toString()).entries()], [['grant_type', 'refresh_token'], ['refresh_token', 'rt-old'], ['client_secret', 'cs']])
  t.equal(a.accessToken, 'at-2')
  t.equal(a.refreshToken, 'rt-old')
  const b = await client.refresh('rt-old')
  t.equal(b.refreshToken, 'rt-new')
  t.match(srv.requests[0]!.headers['user-agent'], /^addonkit-platform-api\//)
})

t.test('invalid_grant is not retried and hides the code and secret', async (t) => {
  const srv = await startServer((_req, res) => json(res, 400, { id: 'invalid_grant', message: 'Grant code is invalid or expired.' }))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'top-secret', baseDelayMs: 1 })
  const err = await client.exchangeGrant('the-grant-code').catch((e: unknown) => e) as PlatformApiError
  t.type(err, PlatformApiError)
  t.equal(err.code, 'PLATFORM_INVALID_GRANT')
  t.equal(err.status, 400)
  t.equal(err.retryable, false)
  t.equal(err.herokuId, 'invalid_grant')
  t.match(err.message, /Grant code is invalid or expired/)
  t.notMatch(err.message + String(err.stack), /the-grant-code|top-secret/)
  t.equal(srv.requests.length, 1)
})

t.test('a 2xx token answer without access_token is a bad response', async (t) => {
  const srv = await startServer((_req, res) => json(res, 200, { token_type: 'Bearer' }))
  t.teardown(srv.close)
  const client = createPlatformClient({ apiUrl: srv.url, idUrl: srv.url, clientSecret: 'cs' })
  await t.rejects(client.exchangeGrant('c'), { code: 'PLATFORM_BAD_RESPONSE', retryable: false })
})

t.test('needsRefresh uses a margin', async (t) => {
  const now = new Date('2025-01-01T00:00:00Z')
  t.equal(needsRefresh(new Date('2025-01-01T00:10:00Z'), now), false)
  t.equal(needsRefresh(new Date('2025-01-01T00:02:00Z'), now), true)
  t.equal(needsRefresh(new Date('2025-01-01T00:02:01Z'), now), false)
  t.equal(needsRefresh(new Date('2024-12-31T23:00:00Z'), now), true)
  t.equal(needsRefresh(new Date('2025-01-01T00:10:00Z'), now, 900), true)
  t.equal(needsRefresh(new Date(Date.now() + 3_600_000)), false)
})
