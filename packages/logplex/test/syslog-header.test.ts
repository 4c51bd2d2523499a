// The RFC 5424 header inside a frame, as Heroku sends it: no STRUCTURED-DATA (protocol §11.1),
// any PRI, and every field present.
import t from 'tap'
import { parseFrames } from '../src/index.js'

/** Octet-counts one frame given its text (length computed in bytes). */
const framed = (payload: string): Buffer => {
  const p = Buffer.from(payload)
  return Buffer.concat([Buffer.from(`${p.length} `), p])
}
const first = (payload: string, opts?: Parameters<typeof parseFrames>[1]) => parseFrames(framed(payload), opts)[0]!
const TS = '2024-05-01T12:00:00+00:00'

t.test('every PRI 0–191 is valid; facility and severity are derived', async (t) => {
  for (let pri = 0; pri <= 191; pri++) {
    const f = first(`<${pri}>1 ${TS} host app web.1 - m\n`)
    if (f.pri !== pri || f.facility !== pri >> 3 || f.severity !== pri % 8) t.fail(`PRI ${pri}`)
  }
  t.match(first(`<007>1 ${TS} host app web.1 - m`), { pri: 7, facility: 0, severity: 7 })
  for (const bad of ['<192>', '<1000>', '<>', '<-1>', '<a>', '158>', '<158', '<158 ']) {
    t.throws(() => first(`${bad}1 ${TS} host app web.1 - m\n`), { code: 'LOGPLEX_BAD_HEADER' }, bad)
  }
})

t.test('VERSION is 1–999 followed by a space', async (t) => {
  t.equal(first(`<158>1 ${TS} host app web.1 - m`).version, 1)
  t.equal(first(`<158>2 ${TS} host app web.1 - m`).version, 2)
  for (const bad of ['<158> ', '<158>0 ', '<158>1000 ', '<158>1x ', '<158>1']) {
    t.throws(() => first(`${bad}${TS} host app web.1 - m`), { code: 'LOGPLEX_BAD_HEADER' }, bad)
  }
})

t.test('a header with a missing or empty field is rejected, never mis-parsed', async (t) => {
  const cases: Array<[string, RegExp]> = [
    [`<40>1 ${TS} host app web.3\n`, /header ends after PROCID; missing MSGID/],
    [`<40>1 ${TS} host app`, /header ends after APP-NAME; missing PROCID, MSGID/],
    [`<40>1 ${TS}`, /header ends after TIMESTAMP/],
    [`<40>1 ${TS} `, /header ends before HOSTNAME/],
    ['<40>1 ', /header ends before TIMESTAMP/],
    [`<40>1 ${TS}  app web.3 - m`, /HOSTNAME is empty/],
    [`<40>1 ${TS} host app  - m`, /PROCID is empty/],
    [`<40>1 ${TS} host app web.3  m`, /MSGID is empty/],
    [`<40>1 ${TS} host\tapp web.3 - m`, /invalid byte 0x09 in HOSTNAME/],
    [`<40>1 ${TS} host app\nweb.3 - m`, /invalid byte 0x0a \(LF\) in APP-NAME/],
    [`<40>1 ${TS} host app web.3 -\nm`, /invalid byte 0x0a \(LF\) in MSGID/],
    [`<40>1 ${TS} host a\u007fpp web.3 - m`, /invalid byte 0x7f in APP-NAME/],
    ['State changed from starting to up', /must start with "<PRI>"/]
  ]
  for (const [payload, reason] of cases) {
    t.throws(() => first(payload), { code: 'LOGPLEX_BAD_HEADER', message: reason }, JSON.stringify(payload))
  }
  // The offset points into the body: here at the second space of `host  app`.
  t.throws(() => first(`<40>1 ${TS}  app web.3 - m`), { code: 'LOGPLEX_BAD_HEADER', offset: 3 + `<40>1 ${TS} `.length })
})

t.test('MSG is optional', async (t) => {
  t.equal(first(`<40>1 ${TS} host app web.3 -`).message, '')
  t.equal(first(`<40>1 ${TS} host app web.3 -\n`).message, '')
  t.equal(first(`<40>1 ${TS} host app web.3 - `).message, '')
  t.equal(first(`<40>1 ${TS} host app web.3 - \n`).message, '')
  t.equal(first(`<40>1 ${TS} host app web.3 - \n\n`).message, '\n')
  t.equal(first(`<40>1 ${TS} host app web.3 -  two spaces`).message, ' two spaces')
})

t.test('TIMESTAMP is kept as sent and parsed when it is RFC 3339', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['2012-11-30T06:45:29+00:00', '2012-11-30T06:45:29.000Z'],
    ['2014-08-04T18:28:43.078581+00:00', '2014-08-04T18:28:43.078Z'],
    ['2014-08-04T18:28:43.1Z', '2014-08-04T18:28:43.100Z'],
    ['2014-08-04T18:28:43.12z', '2014-08-04T18:28:43.120Z'],
    ['2014-08-04t18:28:43.999999999-07:30', '2014-08-05T01:58:43.999Z'],
    ['2024-02-29T23:59:59+14:00', '2024-02-29T09:59:59.000Z'],
    ['2000-01-01T00:00:00-23:59', '2000-01-01T23:59:00.000Z'],
    ['1969-12-31T23:59:59Z', '1969-12-31T23:59:59.000Z'],
    ['0099-03-01T00:00:00Z', '0099-03-01T00:00:00.000Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['-', null],
    ['2023-02-29T00:00:00Z', null],
    ['2024-13-01T00:00:00Z', null],
    ['2024-04-31T00:00:00Z', null],
    ['2024-05-01T24:00:00Z', null],
    ['2024-05-01T12:00:00', null],
    ['2024-05-01T12:00:00.Z', null],
    ['2024-05-01T12:00:00+0000', null],
    ['2024-05-01T12:00:00+00:00x', null],
    ['2024-05-01_12:00:00Z', null],
    ['2024-5-01T12:00:00Z', null],
    ['1714564800', null],
    ['Mai-2024', null]
  ]
  for (const [ts, iso] of cases) {
    const f = first(`<190>1 ${ts} host app web.1 - m`)
    t.equal(f.timestamp, ts)
    t.equal(f.time === null ? null : f.time.toISOString(), iso, ts)
  }
})

t.test('non-ASCII header fields are decoded as UTF-8', async (t) => {
  const f = first(`<190>1 ${TS} hôst appé wéb.1 ✓ m`)
  t.match(f, { hostname: 'hôst', appName: 'appé', procId: 'wéb.1', msgId: '✓', message: 'm' })
})

t.test("STRUCTURED-DATA: 'absent' (default) keeps everything after MSGID as the message", async (t) => {
  for (const msg of ['- leading dash', '-', '[a@1 b="c"] text', '[not sd', '--x']) {
    t.match(first(`<190>1 ${TS} host app web.1 - ${msg}\n`), { structuredData: null, message: msg }, msg)
  }
})

t.test("STRUCTURED-DATA: 'present' requires it (log_input frames)", async (t) => {
  const opts = { structuredData: 'present' } as const
  const cases: Array<[string, string, string]> = [
    ['- hello', '-', 'hello'],
    ['-', '-', ''],
    ['-\n', '-', ''],
    ['- - dash message', '-', '- dash message'],
    ['[exampleSDID@32473 iut="3" eventSource="Application"] msg', '[exampleSDID@32473 iut="3" eventSource="Application"]', 'msg'],
    ['[a@1][b@2 x="y"] two', '[a@1][b@2 x="y"]', 'two'],
    ['[a@1 v="quote \\" bracket \\] slash \\\\"] esc', '[a@1 v="quote \\" bracket \\] slash \\\\"]', 'esc'],
    ['[a@1 v="space ] inside"] q', '[a@1 v="space ] inside"]', 'q'],
    ['[a@1 v="ü"]\n', '[a@1 v="ü"]', '']
  ]
  for (const [rest, sd, msg] of cases) {
    const f = first(`<190>1 ${TS} host app web.1 - ${rest}`, opts)
    t.equal(f.structuredData, sd, rest)
    t.equal(f.message, msg, rest)
  }
  for (const rest of ['hello', '-x', '[a@1', '[a@1 b=c]', '[ a@1]', '[a@1 b="c"', '[a@1]x', '[]', '']) {
    t.throws(() => first(`<190>1 ${TS} host app web.1 - ${rest}`, opts), { code: 'LOGPLEX_BAD_HEADER', message: /STRUCTURED-DATA/ }, rest)
  }
  t.throws(() => first(`<190>1 ${TS} host app web.1 -`, opts), { code: 'LOGPLEX_BAD_HEADER' })
})

t.test("STRUCTURED-DATA: 'auto' takes a well-formed field, else leaves the message alone", async (t) => {
  const opts = { structuredData: 'auto' } as const
  t.match(first(`<190>1 ${TS} host app web.1 - - log input`, opts), { structuredData: '-', message: 'log input' })
  t.match(first(`<190>1 ${TS} host app web.1 - [a@1 b="c"] m`, opts), { structuredData: '[a@1 b="c"]', message: 'm' })
  t.match(first(`<190>1 ${TS} host app web.1 - plain`, opts), { structuredData: null, message: 'plain' })
  t.match(first(`<190>1 ${TS} host app web.1 - -x`, opts), { structuredData: null, message: '-x' })
  t.match(first(`<190>1 ${TS} host app web.1 - [INFO] started`, opts), { structuredData: '[INFO]', message: 'started' })
  t.match(first(`<190>1 ${TS} host app web.1 - [INFO]: started`, opts), { structuredData: null, message: '[INFO]: started' })
  t.match(first(`<190>1 ${TS} host app web.1 -`, opts), { structuredData: null, message: '' })
})

t.test('invalid UTF-8 in MSG becomes U+FFFD', async (t) => {
  const head = Buffer.from(`<190>1 ${TS} host app web.1 - `)
  const cases: Array<[number[], string]> = [
    [[0x61, 0xff, 0x62], 'a\ufffdb'],
    [[0xc3], '\ufffd'],
    [[0xe2, 0x82], '\ufffd'],
    [[0xed, 0xa0, 0x80], '\ufffd\ufffd\ufffd'], // an encoded surrogate
    [[0xf0, 0x9f, 0x98, 0x80, 0x80], '😀\ufffd'],
    [[0xc0, 0xaf], '\ufffd\ufffd'] // overlong '/'
  ]
  for (const [bytes, want] of cases) {
    const payload = Buffer.concat([head, Buffer.from(bytes), Buffer.from('\n')])
    const b = Buffer.concat([Buffer.from(`${payload.length} `), payload])
    t.equal(parseFrames(b)[0]?.message, want, Buffer.from(bytes).toString('hex'))
  }
})
