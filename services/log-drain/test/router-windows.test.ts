// Router metrics for the autoscaler: the writer turns stored router lines (and queue-time
// and runtime-metrics lines) into 10-second windows in router_windows, in the batch's own
// transaction, so a retried batch counts once; and it announces them on NATS.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { encodeFrames } from '@addonkit/logplex'
import { decode, RouterWindowsMessage, subjects } from '@addonkit/contracts'
import { WINDOW_MS, fromStored, quantile, countOf } from '@addonkit/autoscale'
import { startDrainStack, postDrain, eventually } from './helper.js'

const router = (service: number, o: { dyno?: string, status?: number, code?: string } = {}) =>
  `${o.code ? `at=error code=${o.code} desc="Request timeout"` : 'at=info'} method=GET path="/" host=myapp.herokuapp.com request_id=${randomUUID()} fwd="203.0.113.5" dyno=${o.dyno ?? 'web.1'} connect=1ms service=${service}ms status=${o.status ?? 200} bytes=512 protocol=https`

t.test('windows per process type and 10 s, counted once per batch, announced on NATS', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant()
  const announced: RouterWindowsMessage[] = []
  const sub = stack.app.nats.subscribe(subjects.autoscaleWindows, { callback: (_e, m) => { announced.push(decode(RouterWindowsMessage, m.data)) } })
  t.teardown(() => sub.unsubscribe())

  const start = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - 2 * WINDOW_MS
  const at = (ms: number) => new Date(start + ms).toISOString()
  const body = encodeFrames([
    ...Array.from({ length: 20 }, (_, i) => ({ pri: 158, timestamp: at(100 + i), appName: 'heroku', procId: 'router', message: router(100 + i * 50, { dyno: `web.${1 + (i % 2)}` }) })),
    { pri: 158, timestamp: at(500), appName: 'heroku', procId: 'router', message: router(30000, { status: 503, code: 'H12' }) },
    { pri: 158, timestamp: at(600), appName: 'heroku', procId: 'router', message: 'not a router line at all' },
    { pri: 190, timestamp: at(700), appName: 'app', procId: 'web.1', message: '[addonkit] queue=240ms' },
    { pri: 190, timestamp: at(701), appName: 'app', procId: 'web.1', message: 'Started GET "/" [addonkit] queue=999ms (not at the start: not read)' },
    { pri: 134, timestamp: at(800), appName: 'heroku', procId: 'worker.1', message: 'source=worker.1 dyno=heroku.123.abc sample#load_avg_1m=1.75 sample#memory_total=100.00MB' },
    { pri: 158, timestamp: at(WINDOW_MS + 5), appName: 'heroku', procId: 'router', message: router(20) }
  ])
  const frameId = randomUUID().replace(/-/g, '').toUpperCase()
  t.equal((await postDrain(stack, tenant, body, { 'logplex-frame-id': frameId })).status, 204)
  t.equal((await postDrain(stack, tenant, body, { 'logplex-frame-id': frameId })).status, 204, 'Logplex retries the same batch')
  await eventually(async () => (await stack.storedCount(tenant)) === 26)
  const rows = async () => (await stack.db.pool.query(`SELECT process_type AS "processType", extract(epoch from window_start) * 1000 AS start, requests, statuses, errors, service, connect, queue,
      load_sum AS "loadSum", load_samples AS "loadSamples", load_max AS "loadMax" FROM router_windows WHERE tenant_id = $1 ORDER BY window_start, process_type`, [tenant.id])).rows
    .map((r) => fromStored(tenant.id, { ...r, start: Number(r.start) }))
  const windows = await eventually(async () => { const r = await rows(); return r.length === 3 ? r : null })
  const [web, worker, next] = windows
  t.match(web, { processType: 'web', start, requests: 21 }, 'the retry did not count twice')
  t.same(web!.statuses, { '1xx': 0, '2xx': 20, '3xx': 0, '4xx': 0, '5xx': 1 })
  t.same(web!.errors, { H12: 1 })
  t.equal(countOf(web!.queue), 1, 'only a queue marker at the start of the line is read')
  t.ok(Math.abs(quantile(web!.service, 0.5)! - 600) < 60, `p50 service ~600 ms (${quantile(web!.service, 0.5)})`)
  t.match(worker, { processType: 'worker', start, load: { sum: 1.75, samples: 1, max: 1.75 } })
  t.match(next, { processType: 'web', start: start + WINDOW_MS, requests: 1 })
  t.equal(stack.app.logWriter.stats.routerUnparsed, 1, 'the router line that does not parse is counted (once: the retry was a duplicate)')

  // A second batch adds into the same window: rows merge by adding.
  t.equal((await postDrain(stack, tenant, encodeFrames([{ pri: 158, timestamp: at(900), appName: 'heroku', procId: 'router', message: router(50) }]))).status, 204)
  await eventually(async () => (await rows())[0]!.requests === 22)
  t.equal(countOf((await rows())[0]!.service), 22)

  await eventually(() => announced.length >= 2)
  t.equal(announced[0]!.tenantId, tenant.id)
  t.ok(announced[0]!.windows.some((w) => w.processType === 'web' && w.start === start && w.requests === 21), 'the first message carries what was stored')
})
