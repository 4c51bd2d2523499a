// The Autoscaling page over app.inject: status (authorization, rate limit, webhook), each
// process type's formation, last change and pause, the chart's data (the metric per
// 10-second window from router_windows, dynos worked back from the scale events, the
// thresholds and the events) with its table, the decision history ("would have" when off),
// and the forms: a valid save persists (other fields kept) and is audited, an invalid one is
// a 400 with each reason beside its field and nothing saved, CSRF is required, a process
// type is added and removed. Without a session: the 403 sign-in page.
import t from 'tap'
import { emptyWindow, metricValue, record, validatePolicy, WINDOW_MS, type Policy } from '@addonkit/autoscale'
import { loadPolicies, noteChange, noteFormation, recordDecision, saveApp, savePolicy } from '@addonkit/lifecycle'
import { FORM, buildDashboard, createInstance, csrfOf, formBody, signIn, startBase } from './helper.js'
import { createLogTenant } from './log-fixtures.js'
import { decision, insertWindow } from './autoscaling-fixtures.js'

const base = await startBase(t)
const d = await buildDashboard(t, base)

function policy (o: Record<string, unknown>): Policy {
  const v = validatePolicy({ enabled: true, min: 1, max: 5, ...o })
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  return v.policy
}

/** One process type's section of the page. */
function section (body: string, type: string): string {
  const m = new RegExp(`<section class="process-type"[^>]*data-process-type="${type}">([\\s\\S]*?)</section>`).exec(body)
  if (!m) throw new Error(`no section for ${type}`)
  return m[1]!
}

const auditCount = (uuid: string, event: string) => d.db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event } })

t.test('the page: status, formation, last change, chart data and table, decision history', async (t) => {
  const uuid = await createInstance(d)
  const tenant = await createLogTenant(d.db, uuid)
  const now = Date.now()
  const w0 = Math.floor(now / WINDOW_MS) * WINDOW_MS
  await savePolicy(d.db, uuid, 'web', policy({ metric: 'service_p95', upscale_above: 500, downscale_below: 200 }), 'test')
  await savePolicy(d.db, uuid, 'api', policy({ metric: 'requests_per_dyno', min: 2, max: 8 }), 'test')
  await savePolicy(d.db, uuid, 'worker', policy({ enabled: false, metric: 'load' }), 'test')
  await noteFormation(d.db, uuid, 'web', 2, 'standard-1X')
  await noteFormation(d.db, uuid, 'clock', 1, 'basic')
  // api went from 2 to 4 dynos 90 s ago; its windows before and after count requests per dyno of each.
  await noteChange(d.db, uuid, 'api', { at: new Date(w0 - 85_000), from: 2, to: 4, by: 'autoscaler' })
  await noteFormation(d.db, uuid, 'api', 4, 'standard-2X')
  await recordDecision(d.db, uuid, decision('api', 2, 4, { reason: 'requests 720/min per dyno > 1200 → api 2 → 4' }), 'done', { at: new Date(w0 - 85_000) })
  await insertWindow(d.db, tenant, 'api', w0 - 120_000, { requests: 120, serviceMs: 50 })
  await insertWindow(d.db, tenant, 'api', w0 - 60_000, { requests: 120, serviceMs: 50 })
  await insertWindow(d.db, tenant, 'web', w0 - 30_000, { requests: 20, serviceMs: 800 })
  // A person scaled worker a minute ago: autoscaling of worker pauses for manual_pause_s (1800 s).
  const personAt = new Date(now - 60_000)
  await noteChange(d.db, uuid, 'worker', { at: personAt, from: 1, to: 3, by: 'person' })
  await recordDecision(d.db, uuid, decision('worker', 1, 2, { applied: false, reason: 'load 2.10 > 1.50 for 30 s → worker 1 → 2' }), 'recorded', { at: new Date(now - 30_000) })
  await recordDecision(d.db, uuid, decision('web', 2, 3, { reason: 'p95 service 812 ms > 500 ms for 30 s → web 2 → 3' }), 'failed', { at: new Date(now - 20_000), error: 'Heroku answered 422: Scaling standard-1X beyond 100 is not allowed' })
  await recordDecision(d.db, uuid, decision('web', 3, 3, { action: 'hold', applied: false, reason: 'released 40 s ago: holding for 300 s' }), 'recorded', { at: new Date(now - 10_000) })
  await saveApp(d.db, uuid, { appName: 'my-app', authorization: 'needs_user', rateLimitRemaining: 4321, webhookProblem: 'Heroku answered 422 to the webhook subscription' })

  const cookies = await signIn(d, uuid)
  const res = await d.app.inject({ url: `/dashboard/${uuid}/autoscaling`, cookies })
  t.equal(res.statusCode, 200)
  const body = res.body
  t.match(body, new RegExp(`<a href="/dashboard/${uuid}/autoscaling" aria-current="page">Autoscaling</a>`), 'the nav marks the section')
  t.match(body, /<main id="main" tabindex="-1" data-page="autoscaling">/)

  // Status.
  t.match(body, /<dd data-authorization="needs_user">[^]*?Heroku refused the add-on's token: connect a Heroku account/)
  t.match(body, /data-account="unconfigured"/, 'no OAuth client configured here: a sentence, not the button')
  t.match(body, /the operator of this add-on has not configured/)
  t.notMatch(body, /Connect Heroku account<\/button>/)
  t.match(body, /<dd data-rate-limit>4,321 Platform API calls left/)
  t.match(body, /<dd data-webhook="problem">[^]*Heroku answered 422 to the webhook subscription[^]*seen only when the formation is read/)
  t.match(body, /<dt>App<\/dt><dd>my-app<\/dd>/)

  // Process types: those with a policy and those the formation shows, by name.
  const types = [...body.matchAll(/data-process-type="([^"]+)"/g)].map((m) => m[1])
  t.same(types, ['api', 'clock', 'web', 'worker'])
  const web = section(body, 'web')
  t.match(web, /<dd data-formation><strong>2<\/strong> dynos of size standard-1X, read <time/)
  t.match(web, /data-policy-state="on"/)
  t.match(web, /<dd data-last-decision>released 40 s ago: holding for 300 s/)
  const api = section(body, 'api')
  t.match(api, /<dd data-last-change="autoscaler">2 → 4 by the autoscaler/)
  const worker = section(body, 'worker')
  t.match(worker, /data-policy-state="off"/)
  t.match(worker, /<dd data-last-change="person">1 → 3 by a person/)
  t.match(worker, new RegExp(`data-paused-until="${new Date(personAt.getTime() + 1800_000).toISOString()}">A person's change pauses autoscaling until`))
  const clock = section(body, 'clock')
  t.match(clock, /data-policy-state="none"/)
  t.match(clock, /<button type="submit">Autoscale clock<\/button>/, 'a formation-only type can be given a policy')
  t.notMatch(clock, /data-chart=/, 'no chart without a policy')
  t.notMatch(clock, /data-remove-policy/)

  // The settings form shows the stored values with labels.
  t.match(web, /<input type="radio" id="type-web-enabled-on" name="enabled" value="on" checked>/)
  t.match(web, /<label for="type-web-min">Minimum dynos<\/label>/)
  t.match(web, /<input id="type-web-min" name="min" type="number" value="1"/)
  t.match(web, /<input id="type-web-upscale_above" name="upscale_above" type="number" value="500"/)
  t.match(web, /<option value="service_p95" selected>p95 service time \(ms\)<\/option>/)
  t.match(web, /<option value="requests_per_dyno">Requests per minute per dyno \(rpm\/dyno\)<\/option>/)
  t.match(web, new RegExp(`<form method="post" action="/dashboard/${uuid}/autoscaling/policies/web/remove"`))

  // The chart: uPlot and our script from our assets, the data as JSON.
  const scripts = [...body.matchAll(/<script src="([^"]+)" defer>/g)].map((m) => m[1]!)
  t.match(scripts, [/^\/assets\/vendor\/uplot-[\d.]+\/uPlot\.iife\.min\.js$/, '/assets/metrics-charts.js'])
  const data = JSON.parse(/<script type="application\/json" id="metrics-data">(.*?)<\/script>/s.exec(body)![1]!) as Record<string, { t: number[], value: Array<number | null>, above: number[], below: number[], events: Array<number | null>, notes: Array<string | null>, series: Array<{ key: string, label: string }> }>
  const keyOf = (type: string) => new RegExp(`data-chart="autoscale" data-window="([^"]+)"`).exec(section(body, type))![1]!
  const apiData = data[keyOf('api')]!
  t.equal(apiData.t.length, 360, 'one point per 10 s window over the hour')
  // The window filling when the page was made: the set-up above may cross a 10 s boundary
  // on a busy machine (seen in CI), so it is w0 or a later window up to the one filling now.
  const wNow = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS
  const last = apiData.t.at(-1)! * 1000
  t.ok(last >= w0 && last <= wNow && last % WINDOW_MS === 0, `the last point is the window filling when the page was made (${last} in ${w0}…${wNow})`)
  const at = (ms: number) => apiData.t.indexOf(ms / 1000)
  t.equal(apiData.value[at(w0 - 120_000)], 360, 'before the scale event: 720 requests/min over 2 dynos')
  t.equal(apiData.value[at(w0 - 60_000)], 180, 'after it: over 4 dynos')
  t.equal(apiData.value[at(w0 - 50_000)], null, 'no window: a gap')
  t.ok(apiData.above.every((v) => v === 1200) && apiData.below.every((v) => v === 400), 'the thresholds of requests_per_dyno')
  const ev = at(w0 - 90_000)
  t.equal(apiData.notes[ev], 'api 2 → 4 (autoscaler)', 'the applied decision is marked in its window')
  t.equal(apiData.events.filter((v) => v !== null).length, 1)
  t.same(apiData.series.map((s) => s.key), ['value', 'above', 'below', 'events'])
  t.equal(apiData.series[0]!.label, 'Requests per minute per dyno (rpm/dyno)')
  const webData = data[keyOf('web')]!
  const w = emptyWindow(uuid, 'web', w0 - 30_000)
  w.requests = 20
  record(w.service, 800, 20)
  const expected = metricValue('service_p95', [w], 2, WINDOW_MS).value!
  t.equal(webData.value[webData.t.indexOf((w0 - 30_000) / 1000)], Math.round(expected * 100) / 100, 'p95 as the autoscaler reads it')
  const workerData = data[keyOf('worker')]!
  t.equal(workerData.notes.filter(Boolean).length, 1, 'a person\'s change is marked')
  t.match(workerData.notes.find(Boolean), /^worker 1 → 3 \(by a person\)$/)
  t.equal(workerData.value.filter((v) => v !== null).length, 0, 'no load samples')
  t.equal(workerData.events.find((v) => v !== null), 1.5, 'marked on the threshold it crossed when the window has no value')

  // The same numbers without JavaScript.
  t.match(api, /<table id="type-api-table" data-autoscale-table="api">/)
  t.match(api, /<tr><th scope="row"><time[^>]*>[\d:]+<\/time><\/th><td>360 rpm\/dyno<\/td><td>120<\/td><td>2<\/td><td><\/td><\/tr>/)
  t.match(api, /<tr><th scope="row"><time[^>]*>[\d:]+<\/time><\/th><td>180 rpm\/dyno<\/td><td>120<\/td><td>4<\/td><td><\/td><\/tr>/)
  t.match(api, /<tr data-scale-event>[^]*?<td>api 2 → 4 \(autoscaler\)<\/td><\/tr>/)
  t.match(api, /<p data-chart-summary>Latest requests per minute per dyno: <strong>180 rpm\/dyno<\/strong>/)
  t.match(web, /scale up above 500 ms, scale down below 200 ms/)

  // History, newest first, with reasons; the off worker's decision is a "would have".
  const rows = [...body.matchAll(/<tr data-decision="\d+" data-action="(\w+)" data-applied="(\w+)">([\s\S]*?)<\/tr>/g)]
  t.same(rows.map((r) => r[1]), ['hold', 'scale', 'scale', 'scale'])
  t.match(rows[0]![3], /<code>web<\/code><\/td><td>Held at 3<\/td>/)
  t.match(rows[1]![3], /Scaled up 2 → 3[^]*Failed[^]*p95 service 812 ms &gt; 500 ms for 30 s → web 2 → 3<\/td><td>Heroku answered 422: Scaling standard-1X beyond 100 is not allowed<\/td>/)
  t.match(rows[2]![3], /<code>worker<\/code><\/td><td>Would have scaled up 1 → 2<\/td>[^]*No: autoscaling was off[^]*Recorded, not applied/)
  t.match(rows[3]![3], /Scaled up 2 → 4[^]*Yes[^]*Done/)
})

t.test('an add-on without autoscaling data', async (t) => {
  const uuid = await createInstance(d)
  const res = await d.app.inject({ url: `/dashboard/${uuid}/autoscaling`, cookies: await signIn(d, uuid) })
  t.equal(res.statusCode, 200)
  t.match(res.body, /data-process-types="none"/)
  t.match(res.body, /<dd data-authorization="unknown"><span class="muted">Not checked yet/)
  t.match(res.body, /<dd data-rate-limit><span class="muted">Not seen yet/)
  t.match(res.body, /data-decisions="none"/)
  t.notMatch(res.body, /uPlot/, 'no chart, no chart script')
  t.match(res.body, /<form method="post" action="\/dashboard\/[^"]+\/autoscaling\/policies" class="settings-form" novalidate data-policy-form="\(new\)">/)
})

t.test('without a session: the sign-in-required page, for the page and every form', async (t) => {
  const uuid = await createInstance(d)
  const other = await createInstance(d)
  const otherCookies = await signIn(d, other)
  for (const [method, url] of [['GET', ''], ['POST', '/policies/web'], ['POST', '/policies'], ['POST', '/policies/web/remove'], ['POST', '/connect'], ['POST', '/disconnect']] as const) {
    const none = await d.app.inject({ method, url: `/dashboard/${uuid}/autoscaling${url}`, headers: FORM, payload: method === 'POST' ? 'min=1' : undefined })
    t.equal(none.statusCode, 403, `${method} ${url}: 403`)
    t.match(none.body, /data-error-code="DASH_LOGIN_REQUIRED"/)
    const wrong = await d.app.inject({ method, url: `/dashboard/${uuid}/autoscaling${url}`, cookies: otherCookies, headers: FORM, payload: method === 'POST' ? 'min=1' : undefined })
    t.equal(wrong.statusCode, 403, `${method} ${url}: another add-on's session does not open it`)
  }
})

t.test('saving settings', async (t) => {
  const uuid = await createInstance(d)
  const stored = policy({ metric: 'service_p95', timezone: 'Europe/Paris', breach_s: 60, schedules: [{ from: '08:00', to: '18:00', days: ['mon', 'tue'], min: 3 }], release_hold_s: 120, manual_pause_s: 600 })
  await savePolicy(d.db, uuid, 'web', stored, 'test')
  const cookies = await signIn(d, uuid)
  const page = await d.app.inject({ url: `/dashboard/${uuid}/autoscaling`, cookies })
  const csrf = csrfOf(page.body)
  const url = `/dashboard/${uuid}/autoscaling/policies/web`
  const fields = { enabled: 'off', min: '2', max: '6', metric: 'service_p95', upscale_above: '650', downscale_below: '250.5', upscale_jump: '2', upscale_cooldown_s: '90', downscale_delay_s: '900' }
  const post = (f: Record<string, string>) => d.app.inject({ method: 'POST', url, cookies, headers: FORM, payload: formBody(f) })
  const changes = async () => auditCount(uuid, 'autoscale_policy_changed')
  const before = await changes()

  t.test('without the CSRF token, or with another, nothing is saved', async (t) => {
    for (const token of [undefined, 'not-the-token']) {
      const res = await post({ ...fields, ...(token ? { _csrf: token } : {}) })
      t.equal(res.statusCode, 403)
      t.match(res.body, /data-error-code="DASH_CSRF_INVALID"/)
    }
    t.same((await loadPolicies(d.db, uuid))[0]!.policy, stored)
    t.equal(await changes(), before)
  })

  t.test('min greater than max: 400, the reason beside the field, the typed values kept, nothing saved', async (t) => {
    const res = await post({ ...fields, min: '5', max: '3', _csrf: csrf })
    t.equal(res.statusCode, 400)
    const web = section(res.body, 'web')
    t.match(web, /<div class="panel notice-bad error-summary" role="alert" id="type-web-errors" tabindex="-1" autofocus data-form-errors>/)
    t.match(web, /<a href="#type-web-min">Minimum dynos<\/a> \(<code>min<\/code>\) must not be greater than max \(5 &gt; 3\)/)
    t.match(web, /<div class="field field-invalid" data-field="min">[^]*?<p class="field-error" id="type-web-min-error" data-error-for="min"><span class="visually-hidden">Error: <\/span>must not be greater than max \(5 &gt; 3\)<\/p>\s*<input id="type-web-min" name="min" type="number" value="5"[^>]*aria-describedby="type-web-min-error" aria-invalid="true">/)
    t.match(web, /<input id="type-web-max" name="max" type="number" value="3"/, 'what was typed, not what is stored')
    t.match(web, /<input type="radio" id="type-web-enabled-off" name="enabled" value="off" checked>/)
    t.same((await loadPolicies(d.db, uuid))[0]!.policy, stored, 'nothing saved')
    t.equal(await changes(), before, 'nothing audited')
  })

  t.test('an unknown metric and a bad number: 400 with each reason', async (t) => {
    const res = await post({ ...fields, metric: 'cpu', upscale_jump: 'lots', _csrf: csrf })
    t.equal(res.statusCode, 400)
    const web = section(res.body, 'web')
    t.match(web, /data-error-for="metric"><span class="visually-hidden">Error: <\/span>unknown metric &quot;cpu&quot;; one of service_p95, queue_p95, requests_per_dyno, load/)
    t.match(web, /data-error-for="upscale_jump"><span class="visually-hidden">Error: <\/span>must be a whole number/)
    t.match(web, /<select id="type-web-metric" name="metric" aria-describedby="type-web-metric-hint type-web-metric-error" aria-invalid="true">/)
    t.same((await loadPolicies(d.db, uuid))[0]!.policy, stored)
  })

  t.test('thresholds the wrong way round', async (t) => {
    const res = await post({ ...fields, upscale_above: '100', downscale_below: '300', _csrf: csrf })
    t.equal(res.statusCode, 400)
    t.match(section(res.body, 'web'), /data-error-for="downscale_below"><span class="visually-hidden">Error: <\/span>must be less than upscale_above \(300 ≥ 100\)/)
  })

  t.test('valid settings are saved, the fields the form does not show kept, and audited', async (t) => {
    const res = await post({ ...fields, _csrf: csrf })
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, `/dashboard/${uuid}/autoscaling?notice=saved&type=web#type-web`)
    const [saved] = await loadPolicies(d.db, uuid)
    t.same(saved!.policy, { ...stored, enabled: false, min: 2, max: 6, upscale_above: 650, downscale_below: 250.5, upscale_jump: 2, upscale_cooldown_s: 90, downscale_delay_s: 900 })
    t.equal(saved!.policy.timezone, 'Europe/Paris')
    t.equal(saved!.policy.schedules.length, 1)
    t.equal(await changes(), before + 1)
    const ev = await d.db.prisma.auditEvent.findFirst({ where: { instanceUuid: uuid, event: 'autoscale_policy_changed' }, orderBy: { id: 'desc' } })
    t.match(ev!.detail, { process_type: 'web', by: 'dashboard', enabled: false, min: 2, max: 6 })
    const after = await d.app.inject({ url: res.headers.location as string, cookies })
    t.match(after.body, /data-notice="saved"[^]*The autoscaling settings of <strong>web<\/strong> were saved/)
    t.match(section(after.body, 'web'), /data-policy-state="off"/)
  })

  t.test('changing the metric and not the thresholds takes the new metric\'s defaults', async (t) => {
    const res = await post({ ...fields, metric: 'requests_per_dyno', _csrf: csrf })
    t.equal(res.statusCode, 303)
    t.match((await loadPolicies(d.db, uuid))[0]!.policy, { metric: 'requests_per_dyno', upscale_above: 1200, downscale_below: 400 })
    const changed = await post({ ...fields, metric: 'load', upscale_above: '2', downscale_below: '0.5', _csrf: csrf })
    t.equal(changed.statusCode, 303)
    t.match((await loadPolicies(d.db, uuid))[0]!.policy, { metric: 'load', upscale_above: 2, downscale_below: 0.5 }, 'thresholds given with the change are kept')
  })
})

t.test('adding and removing a process type', async (t) => {
  const uuid = await createInstance(d)
  await savePolicy(d.db, uuid, 'web', policy({}), 'test')
  const cookies = await signIn(d, uuid)
  const csrf = csrfOf((await d.app.inject({ url: `/dashboard/${uuid}/autoscaling`, cookies })).body)
  const add = (f: Record<string, string>) => d.app.inject({ method: 'POST', url: `/dashboard/${uuid}/autoscaling/policies`, cookies, headers: FORM, payload: formBody(f) })

  const bad = await add({ _csrf: csrf, process_type: 'my worker!', enabled: 'off', min: '1', max: '2', metric: 'load' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /data-error-for="process_type"><span class="visually-hidden">Error: <\/span>may hold only letters, digits, - and _/)
  t.match(bad.body, /<input id="add-process_type" name="process_type" type="text" value="my worker!"/)
  const dup = await add({ _csrf: csrf, process_type: 'web', enabled: 'off', min: '1', max: '2', metric: 'load' })
  t.equal(dup.statusCode, 400)
  t.match(dup.body, /already has a policy/)
  const both = await add({ _csrf: csrf, process_type: '', enabled: 'off', min: '4', max: '2', metric: 'load' })
  t.equal(both.statusCode, 400)
  t.match(both.body, /data-error-for="process_type">[^]*?is required/)
  t.match(both.body, /data-error-for="min">[^]*?must not be greater than max/)
  t.same((await loadPolicies(d.db, uuid)).map((p) => p.processType), ['web'])
  t.equal((await add({ process_type: 'worker', enabled: 'off', min: '1', max: '2', metric: 'load' })).statusCode, 403, 'CSRF')

  const ok = await add({ _csrf: csrf, process_type: 'worker', enabled: 'off', min: '0', max: '3', metric: 'load' })
  t.equal(ok.statusCode, 303)
  t.equal(ok.headers.location, `/dashboard/${uuid}/autoscaling?notice=added&type=worker#type-worker`)
  const worker = (await loadPolicies(d.db, uuid)).find((p) => p.processType === 'worker')
  t.match(worker?.policy, { enabled: false, min: 0, max: 3, metric: 'load', upscale_above: 1.5, downscale_below: 0.5 })

  const remove = `/dashboard/${uuid}/autoscaling/policies/worker/remove`
  t.equal((await d.app.inject({ method: 'POST', url: remove, cookies, headers: FORM, payload: '' })).statusCode, 403, 'CSRF')
  t.equal((await loadPolicies(d.db, uuid)).length, 2)
  const gone = await d.app.inject({ method: 'POST', url: remove, cookies, headers: FORM, payload: formBody({ _csrf: csrf }) })
  t.equal(gone.statusCode, 303)
  t.equal(gone.headers.location, `/dashboard/${uuid}/autoscaling?notice=removed&type=worker`)
  t.same((await loadPolicies(d.db, uuid)).map((p) => p.processType), ['web'])
  t.equal(await auditCount(uuid, 'autoscale_policy_removed'), 1)
  const again = await d.app.inject({ method: 'POST', url: remove, cookies, headers: FORM, payload: formBody({ _csrf: csrf }) })
  t.match(again.headers.location, /notice=not-found/)
})
