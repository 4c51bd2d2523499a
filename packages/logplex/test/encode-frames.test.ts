// Writing frames: defaults, UTF-8 byte counts, and refusal of fields that would break the
// header.
import t from 'tap'
import { FrameEncodeError, encodeFrame, encodeFrames, parseFrames } from '../src/index.js'

const TS = '2024-05-01T12:00:00+00:00'

t.test('defaults: PRI 190, host, MSGID -, trailing LF, no SD', async (t) => {
  t.equal(encodeFrame({ timestamp: TS, appName: 'app', procId: 'web.1', message: 'hi' }).toString(),
    `53 <190>1 ${TS} host app web.1 - hi\n`)
  t.equal(encodeFrame({ timestamp: TS, appName: 'app', procId: 'web.1', message: 'hi', trailingLf: false }).toString(),
    `52 <190>1 ${TS} host app web.1 - hi`)
  t.equal(encodeFrame({ pri: 0, timestamp: TS, hostname: 'h', appName: 'a', procId: 'p', msgId: 'ID1', message: 'm', sd: true }).toString(),
    `45 <0>1 ${TS} h a p ID1 - m\n`)
})

t.test('with SD, an empty MSG leaves no space after the NILVALUE (RFC 5424 `SD [SP MSG]`)', async (t) => {
  const f = encodeFrame({ pri: 0, timestamp: TS, hostname: 'h', appName: 'a', procId: 'p', msgId: 'ID1', message: '', sd: true })
  t.equal(f.toString(), `43 <0>1 ${TS} h a p ID1 -\n`)
  t.match(parseFrames(f, { structuredData: 'present' })[0], { msgId: 'ID1', structuredData: '-', message: '' })
  t.equal(encodeFrame({ timestamp: TS, appName: 'app', procId: 'web.1', message: '' }).toString(), `51 <190>1 ${TS} host app web.1 - \n`, 'without SD the space stays')
})

t.test('the length is in UTF-8 bytes including the LF', async (t) => {
  for (const message of ['é', '😀', '世界', 'e\u0301', 'a\nb']) {
    const f = encodeFrame({ timestamp: TS, appName: 'app', procId: 'web.1', message })
    const sp = f.indexOf(0x20)
    t.equal(Number(f.subarray(0, sp).toString()), f.length - sp - 1, message)
  }
})

t.test('lone surrogates are written as U+FFFD with a matching count', async (t) => {
  const f = encodeFrame({ timestamp: TS, appName: 'app', procId: 'web.1', message: 'a\ud800b' })
  t.equal(parseFrames(f)[0]?.message, 'a\ufffdb')
})

t.test('fields that would break the header are refused', async (t) => {
  const base = { timestamp: TS, appName: 'app', procId: 'web.1', message: 'm' }
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ pri: 192 }, 'pri'], [{ pri: -1 }, 'pri'], [{ pri: 1.5 }, 'pri'], [{ pri: Number.NaN }, 'pri'],
    [{ timestamp: '' }, 'timestamp'], [{ timestamp: '2024-05-01 12:00' }, 'timestamp'],
    [{ hostname: 'a b' }, 'hostname'], [{ appName: 'a\nb' }, 'appName'], [{ procId: '' }, 'procId'],
    [{ msgId: 'x\u007f' }, 'msgId'], [{ appName: 42 }, 'appName'], [{ message: undefined }, 'message']
  ]
  for (const [patch, field] of cases) {
    t.throws(() => encodeFrame({ ...base, ...patch } as Parameters<typeof encodeFrame>[0]), { code: 'LOGPLEX_INVALID_FIELD', field }, JSON.stringify(patch))
  }
  t.throws(() => encodeFrame({ ...base, hostname: 'a b' }), FrameEncodeError)
})

t.test('encodeFrames concatenates; an empty list is an empty body', async (t) => {
  t.equal(encodeFrames([]).length, 0)
  const b = encodeFrames([
    { timestamp: TS, appName: 'app', procId: 'web.1', message: 'one' },
    { timestamp: TS, appName: 'app', procId: 'web.2', message: 'two', trailingLf: false }
  ])
  t.same(parseFrames(b).map((f) => [f.procId, f.message]), [['web.1', 'one'], ['web.2', 'two']])
})
