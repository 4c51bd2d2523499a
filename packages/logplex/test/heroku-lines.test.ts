// Router lines and Logplex's L10 notice (protocol §11.1).
import t from 'tap'
import { encodeFrame, isRouterFrame, parseFrames, parseL10, parseRouterLine, type LogFrame } from '../src/index.js'

const frameOf = (appName: string, procId: string, message: string): LogFrame =>
  parseFrames(encodeFrame({ timestamp: '2024-05-01T12:00:05+00:00', appName, procId, message }))[0]!

t.test('an at=info router line', async (t) => {
  const line = 'at=info method=POST path="/api/v1/orders?x=1&y=2" host=myapp.herokuapp.com request_id=5f1e2b3c-1111-4222-8333-944455566677 fwd="203.0.113.5,198.51.100.7" dyno=web.2 connect=1ms service=245ms status=201 bytes=1048 protocol=https'
  t.same(parseRouterLine(line), {
    method: 'POST',
    path: '/api/v1/orders?x=1&y=2',
    host: 'myapp.herokuapp.com',
    status: 201,
    connectMs: 1,
    serviceMs: 245,
    bytes: 1048,
    dyno: 'web.2',
    requestId: '5f1e2b3c-1111-4222-8333-944455566677',
    fwd: '203.0.113.5,198.51.100.7',
    protocol: 'https',
    at: 'info'
  })
})

t.test('at=error lines: H12 timeout and H10 with empty fields', async (t) => {
  t.same(parseRouterLine('at=error code=H12 desc="Request timeout" method=GET path="/slow" host=myapp.herokuapp.com request_id=a1 fwd="203.0.113.5" dyno=web.1 connect=0ms service=30000ms status=503 bytes=0 protocol=https'), {
    method: 'GET',
    path: '/slow',
    host: 'myapp.herokuapp.com',
    status: 503,
    connectMs: 0,
    serviceMs: 30000,
    bytes: 0,
    dyno: 'web.1',
    requestId: 'a1',
    fwd: '203.0.113.5',
    protocol: 'https',
    at: 'error',
    code: 'H12',
    desc: 'Request timeout'
  })
  t.same(parseRouterLine('at=error code=H10 desc="App crashed" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno= connect= service= status=503 bytes='), {
    method: 'GET',
    path: '/',
    host: 'myapp.herokuapp.com',
    status: 503,
    connectMs: null,
    serviceMs: null,
    bytes: null,
    dyno: '',
    requestId: '',
    fwd: '17.17.17.17',
    at: 'error',
    code: 'H10',
    desc: 'App crashed'
  })
})

t.test('quoted values keep spaces, "=" and inner quotes', async (t) => {
  const r = parseRouterLine('at=info method=GET path="/a b=c/"q"/d" host=h.example status=200 desc="x y" bytes=5')
  t.match(r, { path: '/a b=c/"q"/d', desc: 'x y', status: 200, bytes: 5 })
  t.match(parseRouterLine('method=GET path="/" host=h status=200 unknown="a b" bare-word service=abc'), { path: '/', status: 200, serviceMs: null })
  t.match(parseRouterLine('method=GET path="" host=h status=200'), { path: '' })
})

t.test('non-router lines give null', async (t) => {
  for (const m of [
    '',
    'State changed from starting to up',
    'Started GET "/" for 203.0.113.5',
    'Error L10 (output buffer overflow): 4 messages dropped since 2024-05-01T11:59:00+00:00.',
    'source=web.1 dyno=heroku.1 sample#memory_total=21.00MB',
    'at=info method=GET path="/" host=h status=abc',
    'at=info method=GET path="/" host=h',
    'at=info method=GET path="/unterminated host=h status=200',
    'at=info method=GET path="/" status=200'
  ]) t.equal(parseRouterLine(m), null, m)
})

t.test('isRouterFrame is APP-NAME heroku and PROCID router', async (t) => {
  t.ok(isRouterFrame(frameOf('heroku', 'router', 'x')))
  t.notOk(isRouterFrame(frameOf('app', 'router', 'x')))
  t.notOk(isRouterFrame(frameOf('heroku', 'web.1', 'x')))
})

t.test('parseL10 reads the count only from heroku logplex', async (t) => {
  const msg = 'Error L10 (output buffer overflow): 491 messages dropped since 2015-09-15T16:22:24+00:00.'
  t.same(parseL10(frameOf('heroku', 'logplex', msg)), { dropped: 491, since: '2015-09-15T16:22:24+00:00' })
  t.same(parseL10(frameOf('heroku', 'logplex', 'Error L10 (output buffer overflow): 1 message dropped since 2015-09-15T16:22:24.123456+00:00.')), { dropped: 1, since: '2015-09-15T16:22:24.123456+00:00' })
  t.equal(parseL10(frameOf('app', 'web.1', msg)), null)
  t.equal(parseL10(frameOf('heroku', 'router', msg)), null)
  t.equal(parseL10(frameOf('heroku', 'logplex', 'Error L11 (Tail buffer overflow): 3 messages dropped since 2015-09-15T16:22:24+00:00.')), null)
  t.equal(parseL10(frameOf('heroku', 'logplex', 'Error L10 (output buffer overflow): many messages dropped since x.')), null)
})
