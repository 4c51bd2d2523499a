// How the sim's Logplex drain sender stamps and frames lines (protocol §11.1): TIMESTAMP is
// RFC 3339 with second or microsecond precision, and the sender always writes six digits.
import t from 'tap'
import { drainTimestamp, encodeDrainFrame, parseDrainFrame } from '../src/index.js'
import { splitOctetCounted } from '../src/logplex/logplex-parser.js'

const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/

t.test('a Date is stamped with six fraction digits in UTC', async (t) => {
  t.equal(drainTimestamp(new Date(Date.UTC(2014, 7, 4, 18, 28, 43, 78))), '2014-08-04T18:28:43.078000+00:00')
  t.equal(drainTimestamp(new Date(Date.UTC(2024, 4, 1))), '2024-05-01T00:00:00.000000+00:00')
  t.equal(drainTimestamp(new Date(Date.UTC(2024, 4, 1, 23, 59, 59, 999))), '2024-05-01T23:59:59.999000+00:00')
})

t.test('encodeDrainFrame: Date, now and a string as given; the count is in bytes with the LF', async (t) => {
  const at = new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 123))
  const frame = encodeDrainFrame({ at, message: 'héllo ✓', pri: 158, appName: 'heroku', procId: 'router' })
  const [body] = splitOctetCounted(frame)
  t.equal(body!.toString('utf8'), '<158>1 2024-05-01T12:00:00.123000+00:00 host heroku router - héllo ✓\n')
  t.equal(parseDrainFrame(body!).timestamp, '2024-05-01T12:00:00.123000+00:00')

  const before = Date.now()
  const now = parseDrainFrame(splitOctetCounted(encodeDrainFrame({ message: 'now' }))[0]!).timestamp
  t.match(now, MICRO, 'the default (now) has six digits too')
  t.ok(Date.parse(now) >= before - 1 && Date.parse(now) <= Date.now(), 'and is now')

  const odd = parseDrainFrame(splitOctetCounted(encodeDrainFrame({ at: '2012-11-30T06:45:29+00:00', message: 'x' }))[0]!).timestamp
  t.equal(odd, '2012-11-30T06:45:29+00:00', 'a string is sent as is')
})
