// Router lines into 10-second windows: what counts where, percentiles within a bucket's
// precision, late lines, unparsed lines counted, and the two optional signals.
import t from 'tap'
import fc from 'fast-check'
import { WINDOW_MS, WindowAggregator, bucketOf, bucketValue, countOf, emptyHistogram, fromSparse, mergeInto, quantile, record, toSparse } from '../src/index.js'

const router = (service: number, o: { status?: number, dyno?: string, code?: string, connect?: number } = {}) =>
  `${o.code ? `at=error code=${o.code} desc="x"` : 'at=info'} method=GET path="/a b" host=myapp.herokuapp.com request_id=r fwd="1.2.3.4" dyno=${o.dyno ?? 'web.1'} connect=${o.connect ?? 1}ms service=${service}ms status=${o.status ?? 200} bytes=5 protocol=https`

t.test('histogram: percentiles within one bucket (1/8 octave) of the exact value', async (t) => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 500 }), fc.constantFrom(0.5, 0.95, 0.99), (values, q) => {
    const h = emptyHistogram()
    for (const v of values) record(h, v)
    const sorted = [...values].sort((a, b) => a - b)
    const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
    const got = quantile(h, q)!
    return bucketOf(got) === bucketOf(exact) || Math.abs(got - exact) <= 1
  }))
  t.equal(quantile(emptyHistogram(), 0.95), null)
  const h = emptyHistogram()
  record(h, 100, 3)
  t.same(fromSparse(toSparse(h)), h, 'sparse form round-trips')
  t.equal(countOf(mergeInto(fromSparse(toSparse(h)), h)), 6, 'merging adds')
  t.ok(Math.abs(bucketValue(bucketOf(30_000)) - 30_000) / 30_000 < 0.05)
  t.same(fromSparse([[-1, 3], [500, 1], [3, 1.5], [4, 2]]), fromSparse([[4, 2]]), 'junk pairs are ignored')
})

t.test('aggregator: windows per app, process type and 10 s; statuses, error codes, queue and load', async (t) => {
  const a = new WindowAggregator({ lateMs: 2000 })
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % WINDOW_MS)
  t.equal(a.add('app1', { time: t0 + 100, appName: 'heroku', procId: 'router', message: router(40) }), 'router')
  a.add('app1', { time: t0 + 200, appName: 'heroku', procId: 'router', message: router(900, { dyno: 'web.2' }) })
  a.add('app1', { time: t0 + 300, appName: 'heroku', procId: 'router', message: router(30000, { status: 503, code: 'H12' }) })
  a.add('app1', { time: t0 + 400, appName: 'heroku', procId: 'router', message: 'at=error code=H14 desc="No web dynos running" method=GET path="/" host=x.herokuapp.com dyno= connect= service= status=503 bytes= protocol=https' })
  t.equal(a.add('app1', { time: t0 + 500, appName: 'heroku', procId: 'router', message: 'this is not a router line' }), 'router-unparsed')
  t.equal(a.add('app1', { time: t0 + 600, appName: 'app', procId: 'web.3', message: 'Started GET "/" [addonkit] queue=250ms' }), 'queue')
  t.equal(a.add('app1', { time: t0 + 700, appName: 'app', procId: 'worker.1', message: '[hirefire:router] queue=12ms' }), 'queue')
  t.equal(a.add('app1', { time: t0 + 800, appName: 'heroku', procId: 'worker.1', message: 'source=worker.1 dyno=heroku.1.abc sample#load_avg_1m=1.25 sample#load_avg_5m=0.9' }), 'load')
  t.equal(a.add('app1', { time: t0 + 900, appName: 'app', procId: 'web.1', message: 'an ordinary app line' }), 'other')
  a.add('app1', { time: t0 + WINDOW_MS + 5, appName: 'heroku', procId: 'router', message: router(10) })
  a.add('app2', { time: t0 + 100, appName: 'heroku', procId: 'router', message: router(10) })

  t.same(a.flush(t0 + WINDOW_MS + 1999), [], 'not closed before lateMs past its end')
  const closed = a.flush(t0 + WINDOW_MS + 2000)
  t.equal(closed.length, 3, 'app1 web, app1 worker, app2 web (the second app1 window is still open)')
  const web = closed.find((w) => w.app === 'app1' && w.processType === 'web')!
  t.equal(web.start, t0)
  t.equal(web.requests, 4)
  t.same(web.statuses, { '1xx': 0, '2xx': 2, '3xx': 0, '4xx': 0, '5xx': 2 })
  t.same(web.errors, { H12: 1, H14: 1 })
  t.equal(countOf(web.service), 3, 'an H14 line has no service time')
  t.equal(countOf(web.queue), 1)
  const worker = closed.find((w) => w.app === 'app1' && w.processType === 'worker')!
  t.same(worker.load, { sum: 1.25, samples: 1, max: 1.25 })
  t.equal(countOf(worker.queue), 1)
  t.same(a.counters, { router: 6, unparsed: 1, queue: 2, load: 1, late: 0 })

  t.equal(a.add('app1', { time: t0 + 50, appName: 'heroku', procId: 'router', message: router(10) }), 'router')
  t.equal(a.counters.late, 1, 'a line for a closed window is dropped and counted')
  t.equal(a.flushAll().length, 1, 'the open window, at shutdown')
  t.equal(a.openWindows, 0)
})
