// The examples of the protocol reference (protocol §11.1, §11.2) and Heroku's own docs,
// byte for byte.
import t from 'tap'
import { encodeFrame, isRouterFrame, parseFrames, parseL10, parseRouterLine, walkFrames } from '../src/index.js'

// protocol §11.1, four frames, Content-Length: 590, Logplex-Msg-Count: 4.
const SPEC_BODY =
  '251 <158>1 2024-05-01T12:00:00.123456+00:00 host heroku router - at=info method=GET path="/" host=myapp.herokuapp.com request_id=2b3f7a0e-1c1d-4d0e-9a53-6c8f7f0b1e11 fwd="203.0.113.5" dyno=web.1 connect=0ms service=3ms status=200 bytes=512 protocol=https\n' +
  '89 <190>1 2024-05-01T12:00:00.120000+00:00 host app web.1 - Started GET "/" for 203.0.113.5\n' +
  '93 <45>1 2024-05-01T11:59:58.000000+00:00 host heroku web.1 - State changed from starting to up\n' +
  '143 <172>1 2024-05-01T12:00:05+00:00 host heroku logplex - Error L10 (output buffer overflow): 4 messages dropped since 2024-05-01T11:59:00+00:00.\n'

t.test('protocol §11.1 body: 590 bytes, 4 frames', async (t) => {
  const body = Buffer.from(SPEC_BODY, 'utf8')
  t.equal(body.length, 590)
  t.equal(walkFrames(body), 4)
  const frames = parseFrames(body, { expectedCount: 4 })
  t.equal(frames.length, 4)
  const [router, app, state, l10] = frames as [typeof frames[0], typeof frames[0], typeof frames[0], typeof frames[0]]

  t.same(router, {
    pri: 158,
    facility: 19,
    severity: 6,
    version: 1,
    timestamp: '2024-05-01T12:00:00.123456+00:00',
    time: new Date('2024-05-01T12:00:00.123Z'),
    hostname: 'host',
    appName: 'heroku',
    procId: 'router',
    msgId: '-',
    structuredData: null,
    message: 'at=info method=GET path="/" host=myapp.herokuapp.com request_id=2b3f7a0e-1c1d-4d0e-9a53-6c8f7f0b1e11 fwd="203.0.113.5" dyno=web.1 connect=0ms service=3ms status=200 bytes=512 protocol=https'
  })
  t.ok(isRouterFrame(router))
  t.same(parseRouterLine(router.message), {
    method: 'GET',
    path: '/',
    host: 'myapp.herokuapp.com',
    status: 200,
    connectMs: 0,
    serviceMs: 3,
    bytes: 512,
    dyno: 'web.1',
    requestId: '2b3f7a0e-1c1d-4d0e-9a53-6c8f7f0b1e11',
    fwd: '203.0.113.5',
    protocol: 'https',
    at: 'info'
  })

  t.match(app, { pri: 190, facility: 23, severity: 6, appName: 'app', procId: 'web.1', msgId: '-', message: 'Started GET "/" for 203.0.113.5' })
  t.equal(app.time?.toISOString(), '2024-05-01T12:00:00.120Z')
  t.notOk(isRouterFrame(app))

  t.match(state, { pri: 45, facility: 5, severity: 5, appName: 'heroku', procId: 'web.1', message: 'State changed from starting to up' })
  t.equal(state.time?.toISOString(), '2024-05-01T11:59:58.000Z')
  t.notOk(isRouterFrame(state))
  t.equal(parseL10(state), null)

  t.match(l10, { pri: 172, facility: 21, severity: 4, appName: 'heroku', procId: 'logplex', timestamp: '2024-05-01T12:00:05+00:00' })
  t.same(parseL10(l10), { dropped: 4, since: '2024-05-01T11:59:00+00:00' })
  t.equal(parseRouterLine(l10.message), null)
})

t.test('protocol §11.1 body is re-encoded byte for byte', async (t) => {
  const frames = parseFrames(Buffer.from(SPEC_BODY))
  const again = Buffer.concat(frames.map((f) => encodeFrame({ ...f, pri: f.pri })))
  t.equal(again.toString('utf8'), SPEC_BODY)
})

t.test('Heroku docs example: 82 visible bytes + LF = 83', async (t) => {
  const body = Buffer.from('83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from starting to up\n')
  t.equal(body.length, 3 + 83)
  t.same(parseFrames(body), [{
    pri: 40,
    facility: 5,
    severity: 0,
    version: 1,
    timestamp: '2012-11-30T06:45:29+00:00',
    time: new Date('2012-11-30T06:45:29Z'),
    hostname: 'host',
    appName: 'app',
    procId: 'web.3',
    msgId: '-',
    structuredData: null,
    message: 'State changed from starting to up'
  }])
  t.same(encodeFrame({ pri: 40, timestamp: '2012-11-30T06:45:29+00:00', appName: 'app', procId: 'web.3', message: 'State changed from starting to up' }), body)
})

t.test('protocol §11.2 log_input frame: 108 bytes with the SD nil value', async (t) => {
  const frame = '108 <190>1 2024-05-01T12:00:00+00:00 01234567-89ab-cdef-0123-456789abcdef app myaddon - - provisioning complete\n'
  const body = Buffer.from(frame)
  t.equal(body.length - 4, 108)
  const encoded = encodeFrame({ timestamp: '2024-05-01T12:00:00+00:00', hostname: '01234567-89ab-cdef-0123-456789abcdef', appName: 'app', procId: 'myaddon', message: 'provisioning complete', sd: true })
  t.equal(encoded.toString(), frame)
  const [f] = parseFrames(body, { structuredData: 'present' })
  t.match(f, { hostname: '01234567-89ab-cdef-0123-456789abcdef', appName: 'app', procId: 'myaddon', msgId: '-', structuredData: '-', message: 'provisioning complete' })
  // Read as a drain frame (no SD), the nil value stays part of the message.
  t.equal(parseFrames(body)[0]?.message, '- provisioning complete')
})
