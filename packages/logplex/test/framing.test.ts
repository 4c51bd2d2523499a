// Octet counting (RFC 6587) and the rule that a bad body is rejected whole, with a code,
// a reason and the byte offset.
import t, { type Test } from 'tap'
import { FramingError, MAX_FRAME_BYTES, encodeFrame, encodeFrames, parseFrames, walkFrames } from '../src/index.js'

const TS = '2024-05-01T12:00:00.123456+00:00'
const frame = (message: string, extra: Partial<Parameters<typeof encodeFrame>[0]> = {}): Buffer =>
  encodeFrame({ timestamp: TS, appName: 'app', procId: 'web.1', message, ...extra })
const body = (...parts: Array<string | Buffer>): Buffer => Buffer.concat(parts.map((p) => typeof p === 'string' ? Buffer.from(p) : p))

/** Asserts both walkFrames (framing errors only) and parseFrames reject with code and offset. */
function rejects (t: Test, b: Buffer, code: string, offset: number, reason: RegExp, walkToo = true): void {
  for (const [name, fn] of [['parseFrames', () => parseFrames(b)], ['walkFrames', () => walkFrames(b)]] as const) {
    if (name === 'walkFrames' && !walkToo) continue
    try {
      fn()
      t.fail(`${name} accepted ${JSON.stringify(b.toString('latin1').slice(0, 80))}`)
    } catch (err) {
      t.ok(err instanceof FramingError, `${name} throws FramingError`)
      t.match(err, { code, offset, message: reason }, name)
    }
  }
}

t.test('an empty body has zero frames', async (t) => {
  t.same(parseFrames(Buffer.alloc(0)), [])
  t.equal(walkFrames(Buffer.alloc(0)), 0)
  t.same(parseFrames(Buffer.alloc(0), { expectedCount: 0 }), [])
  t.throws(() => parseFrames(Buffer.alloc(0), { expectedCount: 1 }), { code: 'LOGPLEX_COUNT_MISMATCH' })
})

t.test('frames without a trailing LF and with embedded LFs are read by count', async (t) => {
  const b = body(frame('no newline', { trailingLf: false }), frame('two\nlines\n'), frame('last'))
  t.equal(walkFrames(b), 3)
  t.same(parseFrames(b).map((f) => f.message), ['no newline', 'two\nlines\n', 'last'])
  // CR is data; only one LF is removed.
  t.same(parseFrames(frame('crlf\r')).map((f) => f.message), ['crlf\r'])
  t.same(parseFrames(frame('', { trailingLf: true })).map((f) => f.message), [''])
})

t.test('the length counts UTF-8 bytes, not characters', async (t) => {
  const f = frame('héllo 🌍 世界')
  const text = f.toString('utf8')
  const len = Number(text.slice(0, text.indexOf(' ')))
  t.equal(len, Buffer.byteLength(text.slice(text.indexOf(' ') + 1)))
  t.not(len, text.slice(text.indexOf(' ') + 1).length)
  t.equal(parseFrames(f)[0]?.message, 'héllo 🌍 世界')
  // A count in characters (the classic mistake) breaks the framing.
  const payload = text.slice(text.indexOf(' ') + 1)
  const byChars = body(`${payload.length} ${payload}`, frame('next'))
  t.throws(() => parseFrames(byChars), FramingError)
})

t.test("Heroku's 10,000-byte chunks of a long line are ordinary frames", async (t) => {
  const long = 'x'.repeat(25000)
  const chunks = [long.slice(0, 10000), long.slice(10000, 20000), long.slice(20000)]
  const b = encodeFrames(chunks.map((message) => ({ timestamp: TS, appName: 'app', procId: 'web.1', message, trailingLf: false })))
  t.same(parseFrames(b).map((f) => f.message), chunks)
})

t.test('length prefix errors', async (t) => {
  const ok = frame('hello')
  const payload = ok.subarray(ok.indexOf(0x20) + 1)
  rejects(t, body('+', ok), 'LOGPLEX_BAD_FRAMING', 0, /expected the decimal length/)
  rejects(t, body(`0${ok.toString()}`), 'LOGPLEX_BAD_FRAMING', 0, /leading zero/)
  rejects(t, body(' ', ok), 'LOGPLEX_BAD_FRAMING', 0, /0x20 \(space\)/)
  rejects(t, body(payload), 'LOGPLEX_BAD_FRAMING', 0, /not octet-counted/)
  rejects(t, body(`${payload.length}`, payload), 'LOGPLEX_BAD_FRAMING', String(payload.length).length, /expected a space after the frame length/)
  rejects(t, body(`${payload.length}\t`, payload), 'LOGPLEX_BAD_FRAMING', String(payload.length).length, /0x09/)
  rejects(t, body('12'), 'LOGPLEX_BAD_FRAMING', 2, /ends inside a frame length/)
  rejects(t, body('99 short'), 'LOGPLEX_BAD_FRAMING', 0, /runs past the end of the body \(5 bytes left\)/)
  rejects(t, body('12345678 x'), 'LOGPLEX_FRAME_TOO_LARGE', 0, /more than 7 digits/)
  rejects(t, body(`${MAX_FRAME_BYTES + 1} x`), 'LOGPLEX_FRAME_TOO_LARGE', 0, /exceeds the limit/)
  rejects(t, body('99999999999999999999999 x'), 'LOGPLEX_FRAME_TOO_LARGE', 0, /more than 7 digits/)
})

t.test('a frame of exactly MAX_FRAME_BYTES is accepted', async (t) => {
  const head = `<190>1 ${TS} host app web.1 - `
  const message = 'm'.repeat(MAX_FRAME_BYTES - head.length)
  const b = body(`${MAX_FRAME_BYTES} ${head}${message}`)
  t.equal(parseFrames(b)[0]?.message.length, message.length)
  t.throws(() => encodeFrame({ timestamp: TS, appName: 'app', procId: 'web.1', message }), { code: 'LOGPLEX_INVALID_FIELD', field: 'message' })
})

t.test('truncation and garbage between frames', async (t) => {
  const a = frame('first')
  const b2 = frame('second')
  rejects(t, body(a, b2.subarray(0, b2.length - 1)), 'LOGPLEX_BAD_FRAMING', a.length, /runs past the end/)
  rejects(t, body(a, '\n', b2), 'LOGPLEX_BAD_FRAMING', a.length, /0x0a \(LF\)/)
  rejects(t, body(a, b2, '\n'), 'LOGPLEX_BAD_FRAMING', a.length + b2.length, /expected the decimal length/)
  rejects(t, body(a, b2, ' '), 'LOGPLEX_BAD_FRAMING', a.length + b2.length, /space/)
  rejects(t, body(a, 'garbage', b2), 'LOGPLEX_BAD_FRAMING', a.length, /"g"/)
  const err = t.throws(() => parseFrames(body(a, b2, 'x'))) as FramingError
  t.equal(err.frameIndex, 2)
  t.match(err.message, /\(frame 2, byte offset \d+\)$/)
})

t.test('expectedCount and maxFrames', async (t) => {
  const b = body(frame('a'), frame('b'), frame('c'))
  t.equal(parseFrames(b, { expectedCount: 3, maxFrames: 3 }).length, 3)
  t.throws(() => parseFrames(b, { expectedCount: 4 }), { code: 'LOGPLEX_COUNT_MISMATCH', message: /body holds 3 frames, expected 4/, offset: b.length })
  t.throws(() => parseFrames(b, { expectedCount: 2 }), { code: 'LOGPLEX_COUNT_MISMATCH', message: /continues after the expected 2 frames/, frameIndex: 2 })
  t.throws(() => parseFrames(b, { maxFrames: 2 }), { code: 'LOGPLEX_TOO_MANY_FRAMES', frameIndex: 2 })
  // Bad option values are programming errors, not bad bodies.
  t.throws(() => parseFrames(b, { structuredData: 'sometimes' as 'auto' }), TypeError)
  t.throws(() => parseFrames(b, { expectedCount: Number('abc') }), TypeError)
  t.throws(() => parseFrames(b, { expectedCount: -1 }), TypeError)
  t.throws(() => parseFrames(b, { maxFrames: 1.5 }), TypeError)
})

t.test('Uint8Array bodies are accepted', async (t) => {
  const b = frame('typed')
  const u8 = new Uint8Array(b.length + 4).subarray(2, 2 + b.length)
  u8.set(b)
  t.equal(parseFrames(u8 as Buffer)[0]?.message, 'typed')
})
