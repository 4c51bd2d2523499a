import t from 'tap'
import { buildLogplexBody, postAppLogs, PlatformApiError } from '../src/index.js'
import { startServer } from './helper.js'

const ADDON = '01234567-89ab-cdef-0123-456789abcdef'
const AT = new Date('2024-05-01T12:00:00Z')

t.test('frames match the spec example byte for byte', async (t) => {
  const { body, count } = buildLogplexBody([{ message: 'provisioning complete', at: AT, procId: 'myaddon' }], { addonId: ADDON })
  // Spec §11.2 example: the count 108 includes the trailing LF (the spec's timestamp has no
  // fraction; ours adds `.000`, 4 bytes more).
  t.equal(body.toString(), `112 <190>1 2024-05-01T12:00:00.000+00:00 ${ADDON} app myaddon - - provisioning complete\n`)
  t.equal(count, 1)
})

t.test('counts are UTF-8 bytes and lines split into frames', async (t) => {
  const { body, count } = buildLogplexBody([
    { message: 'héllo ✓', at: AT },
    { message: 'a\nb\n', at: AT, procId: 'worker 1' }
  ], { addonId: ADDON })
  const head = `<190>1 2024-05-01T12:00:00.000+00:00 ${ADDON} app`
  const f1 = `${head} ${ADDON} - - héllo ✓\n`
  const f2 = `${head} worker_1 - - a\n`
  const f3 = `${head} worker_1 - - b\n`
  t.equal(Buffer.byteLength(f1), f1.length + 3, 'é is 2 bytes, ✓ is 3')
  t.equal(body.toString('utf8'), `${Buffer.byteLength(f1)} ${f1}${Buffer.byteLength(f2)} ${f2}${Buffer.byteLength(f3)} ${f3}`)
  t.equal(count, 3)
})

t.test('an empty line ends at the SD NILVALUE, header fields are made printable, lone surrogates become U+FFFD', async (t) => {
  const { body, count } = buildLogplexBody([{ message: '', at: AT, procId: 'web 1\t' }, { message: 'a\ud800b\r\n\n', at: AT, procId: '' }], { addonId: ADDON })
  const head = `<190>1 2024-05-01T12:00:00.000+00:00 ${ADDON} app`
  const frames = [`${head} web_1_ - -\n`, `${head} ${ADDON} - - a\ufffdb\n`, `${head} ${ADDON} - -\n`]
  t.equal(body.toString('utf8'), frames.map((f) => `${Buffer.byteLength(f)} ${f}`).join(''))
  t.equal(count, 3)
})

t.test('postAppLogs sends Basic auth, exact Content-Length and the logplex headers', async (t) => {
  const srv = await startServer((_req, res) => { res.writeHead(204); res.end() })
  t.teardown(srv.close)
  const url = srv.url.replace('http://', 'http://token:t.abc%2Fdef@') + '/logs'
  await postAppLogs(url, [{ message: 'héllo ✓', at: AT, procId: 'web.1' }, { message: 'second', at: AT }], { addonId: ADDON, userAgent: 'Acme (addonkit; test)' })
  t.equal(srv.requests.length, 1)
  const req = srv.requests[0]!
  t.equal(req.method, 'POST')
  t.equal(req.url, '/logs')
  t.equal(req.headers.authorization, `Basic ${Buffer.from('token:t.abc/def').toString('base64')}`)
  t.equal(req.headers['content-type'], 'application/logplex-1')
  t.equal(req.headers['logplex-msg-count'], '2')
  t.match(req.headers['logplex-frame-id'], /^[0-9A-F]{32}$/)
  t.equal(req.headers['user-agent'], 'Acme (addonkit; test)')
  t.equal(req.headers['transfer-encoding'], undefined)
  t.equal(req.headers['content-length'], String(req.body.length))
  const f1 = `<190>1 2024-05-01T12:00:00.000+00:00 ${ADDON} app web.1 - - héllo ✓\n`
  const f2 = `<190>1 2024-05-01T12:00:00.000+00:00 ${ADDON} app ${ADDON} - - second\n`
  const expected = Buffer.from(`${Buffer.byteLength(f1)} ${f1}${Buffer.byteLength(f2)} ${f2}`)
  t.ok(req.body.equals(expected), 'body is byte-exact')
  t.equal(Number(req.headers['content-length']), expected.length)
})

t.test('postAppLogs retries 5xx with the same frame id, and sends nothing for no lines', async (t) => {
  const srv = await startServer((_req, res, i) => { res.writeHead(i === 0 ? 503 : 200); res.end() })
  t.teardown(srv.close)
  await postAppLogs(srv.url + '/logs', [], { addonId: ADDON, userAgent: 'ua' })
  t.equal(srv.requests.length, 0)
  await postAppLogs(srv.url + '/logs', [{ message: 'x' }], { addonId: ADDON, userAgent: 'ua', baseDelayMs: 1 })
  t.equal(srv.requests.length, 2)
  t.equal(srv.requests[0]!.headers['logplex-frame-id'], srv.requests[1]!.headers['logplex-frame-id'])
  t.ok(srv.requests[0]!.body.equals(srv.requests[1]!.body))
})

t.test('a 4xx from the log input is not retried and hides the credentials', async (t) => {
  const srv = await startServer((_req, res) => { res.writeHead(401); res.end() })
  t.teardown(srv.close)
  const url = srv.url.replace('http://', 'http://token:t.sekret@') + '/logs'
  const err = await postAppLogs(url, [{ message: 'x' }], { addonId: ADDON, userAgent: 'ua' }).catch((e: unknown) => e) as PlatformApiError
  t.type(err, PlatformApiError)
  t.equal(err.code, 'PLATFORM_LOG_INPUT_REJECTED')
  t.equal(err.status, 401)
  t.equal(err.retryable, false)
  t.notMatch(err.message, /sekret/)
  t.equal(srv.requests.length, 1)
})

t.test('a log input URL that is not http(s) is refused', async (t) => {
  await t.rejects(postAppLogs('ftp://x/logs', [{ message: 'x' }], { addonId: ADDON, userAgent: 'ua' }), { code: 'PLATFORM_INVALID_ARGUMENT' })
  await t.rejects(postAppLogs('not a url', [{ message: 'x' }], { addonId: ADDON, userAgent: 'ua' }), { code: 'PLATFORM_INVALID_ARGUMENT' })
})
