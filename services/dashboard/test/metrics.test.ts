// Router metrics (@addonkit/log-store's router-metrics.ts, as the dashboard shows them) from stored router lines: per-minute
// and per-15-minute buckets with request counts, status classes and p50/p95 service time;
// only this tenant's router lines with a status count. Then the page: charts' data, the
// table fallback, and uPlot served from our own assets with long cache headers.
import t from 'tap'
import { routerMetrics, WINDOWS } from '@addonkit/log-store'
import { buildDashboard, createInstance, signIn, startBase } from './helper.js'
import { createLogTenant, insertLines, routerLine } from './log-fixtures.js'

const base = await startBase(t)
const d = await buildDashboard(t, base)
const uuid = await createInstance(d)
const tenant = await createLogTenant(d.db, uuid)
const other = await createLogTenant(d.db, await createInstance(d))
const [hour, day] = WINDOWS as [typeof WINDOWS[0], typeof WINDOWS[0]]

// "now" is fixed inside a minute so the buckets are known: 10:30:30 UTC today.
const now = new Date()
now.setUTCHours(10, 30, 30, 0)
if (now.getTime() > Date.now()) now.setUTCDate(now.getUTCDate() - 1)
const minute = (m: number, s = 0) => new Date(now.getTime() - 30_000 - m * 60_000 + s * 1000)

await insertLines(d.db, tenant, [
  // 10:25: five requests.
  routerLine(minute(5, 1), 200, '/', 10),
  routerLine(minute(5, 2), 200, '/', 20),
  routerLine(minute(5, 3), 302, '/login', 30),
  routerLine(minute(5, 4), 404, '/nope', 40),
  routerLine(minute(5, 5), 503, '/slow', 1000),
  // 10:30 (the current minute): one.
  routerLine(minute(0, 10), 200, '/', 7),
  // 09:20: outside the hour, inside the day's 09:15 bucket.
  routerLine(minute(70, 0), 200, '/', 5),
  // Not counted: an app line, a router line without a status (an H-code error line), and
  // a line of another process.
  { ts: minute(5, 6), msg: 'GET / 200', source: 'app', proc: 'web.1', status: 200, serviceMs: 1 },
  { ts: minute(5, 7), msg: 'at=error code=H12 desc="Request timeout"', source: 'heroku', proc: 'router' },
  { ts: minute(5, 8), msg: 'State changed from starting to up', source: 'heroku', proc: 'web.1', status: 200 }
])
// Another tenant's router lines in the same minutes.
await insertLines(d.db, other, [routerLine(minute(5, 1), 500, '/', 99999), routerLine(minute(0, 1), 500, '/', 99999)])

t.test('last hour, per minute', async (t) => {
  const s = await routerMetrics(d.db.pool, tenant, hour, now)
  t.equal(s.buckets.length, 60)
  t.equal(s.buckets[59]!.start.toISOString().slice(11, 19), '10:30:00', 'the last bucket is the current minute')
  t.equal(s.buckets[0]!.start.toISOString().slice(11, 19), '09:31:00')
  const b = s.buckets.find((x) => x.start.toISOString().slice(11, 16) === '10:25')!
  t.match(b, { requests: 5, perMinute: 5, s2xx: 2, s3xx: 1, s4xx: 1, s5xx: 1, p50: 30 })
  t.equal(b.p95, 808, 'p95 interpolated (percentile_cont) over 10, 20, 30, 40, 1000')
  t.match(s.buckets[59], { requests: 1, s2xx: 1, p50: 7, p95: 7 })
  t.equal(s.buckets.reduce((n, x) => n + x.requests, 0), 6, 'other lines and tenants do not count')
  t.match(s.buckets[10], { requests: 0, s2xx: 0, p50: null, p95: null }, 'empty minutes are zeros')
})

t.test('last day, per 15 minutes', async (t) => {
  const s = await routerMetrics(d.db.pool, tenant, day, now)
  t.equal(s.buckets.length, 96)
  t.equal(s.buckets[95]!.start.toISOString().slice(11, 16), '10:30')
  t.match(s.buckets[95], { requests: 1, s2xx: 1 }, '10:30')
  t.match(s.buckets[94], { requests: 5, perMinute: 0.33, s2xx: 2, s3xx: 1, s4xx: 1, s5xx: 1, p50: 30, p95: 808 }, '10:15')
  t.match(s.buckets[90], { requests: 1, p50: 5 }, '09:15')
  t.equal(s.buckets[90]!.start.toISOString().slice(11, 16), '09:15')
  t.equal(s.buckets.reduce((n, x) => n + x.requests, 0), 7)
})

t.test('the metrics page: chart data, the table fallback and uPlot from our assets', async (t) => {
  const cookies = await signIn(d, uuid)
  // Lines in the current minute so the page (which uses the real clock) has data.
  const inserted = new Date()
  await insertLines(d.db, tenant, [routerLine(inserted, 201, '/now', 11), routerLine(inserted, 201, '/now', 13)])
  const res = await d.app.inject({ url: `/dashboard/${uuid}/metrics`, cookies })
  t.equal(res.statusCode, 200)
  const body = res.body
  t.match(body, /<a href="\/dashboard\/[^"]+\/metrics" aria-current="page">Metrics<\/a>/)
  const scripts = [...body.matchAll(/<script src="([^"]+)" defer>/g)].map((m) => m[1]!)
  t.match(scripts, [/^\/assets\/vendor\/uplot-1\.\d+\.\d+\/uPlot\.iife\.min\.js$/, '/assets/metrics-charts.js'], 'uPlot, then our chart script')
  const css = /<link rel="stylesheet" href="(\/assets\/vendor\/uplot-[^"]+\/uPlot\.min\.css)">/.exec(body)
  t.ok(css, 'uPlot stylesheet')
  t.notMatch(body, /https?:\/\/(?!my-app)[^"]*\.(js|css)/, 'nothing from a CDN')
  const data = JSON.parse(/<script type="application\/json" id="metrics-data">(.*?)<\/script>/s.exec(body)![1]!)
  t.equal(data.hour.t.length, 60)
  t.equal(data.day.t.length, 96)
  const i = data.hour.t.indexOf(Math.floor(inserted.getTime() / 60_000) * 60)
  t.ok(i >= 58, 'the minute of the lines is one of the last buckets')
  t.equal(data.hour.perMinute[i], 2)
  t.equal(data.hour.s2xx[i], 2)
  t.equal(data.hour.p50[i], 12)
  t.equal((body.match(/class="chart"/g) ?? []).length, 6, 'three charts per window')
  t.match(body, /<table id="t-hour" data-metrics="hour">/)
  t.match(body, /<th scope="col">p95 ms<\/th>/)
  const lastRow = [...body.matchAll(/<tr data-requests="2"><th scope="row"><time[^>]*>(\d\d:\d\d)<\/time><\/th><td>2<\/td><td>2<\/td><td>2<\/td><td>0<\/td><td>0<\/td><td>0<\/td><td>12<\/td><td>12\.9<\/td><\/tr>/g)]
  t.equal(lastRow.length, 1, 'the current minute in the hour table, with its numbers')

  for (const url of [scripts[0]!, css![1]!]) {
    const a = await d.app.inject({ url })
    t.equal(a.statusCode, 200, url)
    t.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable')
    t.ok(a.body.length > 1000)
    const again = await d.app.inject({ url, headers: { 'if-none-match': a.headers.etag as string } })
    t.equal(again.statusCode, 304)
  }
  t.match((await d.app.inject({ url: scripts[0]! })).body, /uPlot/)
  t.match((await d.app.inject({ url: '/assets/metrics-charts.js' })).body, /new uPlot/)
})

t.test('the metrics page without a log tenant', async (t) => {
  const bare = await createInstance(d)
  const res = await d.app.inject({ url: `/dashboard/${bare}/metrics`, cookies: await signIn(d, bare) })
  t.equal(res.statusCode, 200)
  t.match(res.body, /data-metrics="no-tenant"/)
  t.notMatch(res.body, /uPlot/)
})
