// The dashboard pages over app.inject: the overview (details, config var names, usage from
// the allocator or "usage unavailable", plan-change commands), credentials revealed only on
// a CSRF-checked POST, rotation enqueued with its audit entry and a wake-up, and activity.
import t from 'tap'
import { buildApp as buildAllocator, loadAllocatorConfig } from '@addonkit/allocator'
import { decode, OperationEnqueued, subjects } from '@addonkit/contracts'
import { connectNats } from '@addonkit/service-kit'
import { FORM, buildDashboard, createInstance, csrfOf, signIn, startBase } from './helper.js'

t.test('overview with the allocator answering usage', async (t) => {
  const base = await startBase(t)
  const allocator = await buildAllocator(loadAllocatorConfig(base.env), { logStream: new (await import('@addonkit/testkit')).LogCapture() })
  await allocator.ready()
  t.teardown(() => allocator.close())
  const d = await buildDashboard(t, base)
  const uuid = await createInstance(d, { name: 'addonkit-shiny-12345' })
  const cookies = await signIn(d, uuid)
  const res = await d.app.inject({ url: `/dashboard/${uuid}`, cookies })
  t.equal(res.statusCode, 200)
  const body = res.body
  t.match(body, /<h1>addonkit-shiny-12345<\/h1>/)
  t.match(body, /Hobby <span class="muted">\(hobby, Free\)/)
  t.match(body, /Available/)
  t.match(body, /<dt>Region<\/dt><dd>us<\/dd>/)
  t.match(body, /<dt>Created<\/dt><dd><time datetime="\d{4}-/)
  t.match(body, /<dt>App<\/dt><dd>my-app<\/dd>/)
  t.match(body, /<li><code>ADDONKIT_URL<\/code><\/li>/, 'config var names')
  t.notMatch(body, /s3cr3t/, 'never a config var value')
  t.match(body, /data-usage="available"/)
  t.match(body, /<label for="usage-storage">Storage<\/label>\s*<meter id="usage-storage" min="0" max="256" value="0"/)
  t.match(body, /0 MB of 256 MB \(0%\)/)
  t.match(body, /2 days of 2 days \(100%\)/)
  t.match(body, /heroku addons:upgrade addonkit-shiny-12345 addonkit:standard/)
  t.match(body, /heroku addons:upgrade addonkit-shiny-12345 addonkit:pro/)
  t.notMatch(body, /addonkit:hobby/, 'no command for the current plan')
  t.match(body, /<dt>Storage<\/dt><dd>4,096 MB<\/dd>/, 'other plans with their limits')
  t.match(body, /\$15\/month/)
  t.match(body, new RegExp(`<a href="/dashboard/${uuid}/logs">Logs</a>`), 'nav links to the logs page')
  t.match(body, new RegExp(`<a href="/dashboard/${uuid}/metrics">Metrics</a>`), 'and to the metrics page')
})

t.test('overview without an answer: "usage unavailable" within the 1 s timeout', async (t) => {
  const d = await buildDashboard(t, await startBase(t))
  const uuid = await createInstance(d)
  const cookies = await signIn(d, uuid)
  const none = await d.app.inject({ url: `/dashboard/${uuid}`, cookies })
  t.equal(none.statusCode, 200)
  t.match(none.body, /data-usage="unavailable"/)
  t.match(none.body, /Usage unavailable/)
  // An allocator that hears the request but never answers.
  const nc = await connectNats(d.nats.url, 'silent-allocator')
  t.teardown(() => nc.close())
  nc.subscribe(subjects.usage, { callback: () => {} })
  await nc.flush()
  const started = Date.now()
  const silent = await d.app.inject({ url: `/dashboard/${uuid}`, cookies })
  const took = Date.now() - started
  t.equal(silent.statusCode, 200)
  t.match(silent.body, /Usage unavailable/)
  t.ok(took >= 900 && took < 3000, `answered after the usage timeout (${took} ms)`)
})

const base = await startBase(t)
const d = await buildDashboard(t, base)
const secret = 'https://uabc:very-secret-value@drain.example.com/v1'
const uuid = await createInstance(d, { config: { ADDONKIT_URL: secret } })
const cookies = await signIn(d, uuid)
const credsUrl = `/dashboard/${uuid}/credentials`

t.test('values stay hidden until a CSRF-checked POST reveals them', async (t) => {
  const page = await d.app.inject({ url: credsUrl, cookies })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<code>ADDONKIT_URL<\/code>/)
  t.notMatch(page.body, /very-secret-value/)
  t.match(page.body, /data-credentials="hidden"/)
  const csrf = csrfOf(page.body)
  const noToken = await d.app.inject({ method: 'POST', url: `${credsUrl}/reveal`, cookies, headers: FORM, payload: '' })
  t.equal(noToken.statusCode, 403)
  t.match(noToken.body, /data-error-code="DASH_CSRF_INVALID"/)
  t.notMatch(noToken.body, /very-secret-value/)
  const viaGet = await d.app.inject({ url: `${credsUrl}/reveal`, cookies })
  t.equal(viaGet.statusCode, 404, 'no GET reveals values')
  const shown = await d.app.inject({ method: 'POST', url: `${credsUrl}/reveal`, cookies, headers: FORM, payload: `_csrf=${encodeURIComponent(csrf)}` })
  t.equal(shown.statusCode, 200)
  t.equal(shown.headers['cache-control'], 'no-store')
  t.match(shown.body, /data-credentials="revealed"/)
  t.match(shown.body, /<code data-value-of="ADDONKIT_URL">https:\/\/uabc:very-secret-value@drain\.example\.com\/v1<\/code>/)
  const audited = await d.db.prisma.auditEvent.findFirst({ where: { instanceUuid: uuid, event: 'credentials_revealed' } })
  t.match(audited?.detail, { by: 'dev@example.com' }, 'revealing is audited (who, not what)')
  t.notOk(JSON.stringify(audited?.detail).includes('very-secret'))
})

t.test('rotate: one transaction (operation + audit), a wake-up, progress, then the result', async (t) => {
  const nc = await connectNats(d.nats.url, 'watcher')
  t.teardown(() => nc.close())
  const wakeups: OperationEnqueued[] = []
  nc.subscribe(subjects.operationEnqueued, { callback: (_e, m) => { wakeups.push(decode(OperationEnqueued, m.data)) } })
  await nc.flush()

  const page = await d.app.inject({ url: credsUrl, cookies })
  const csrf = csrfOf(page.body)
  t.match(page.body, /action="\/dashboard\/[0-9a-f-]+\/credentials\/rotate"/)
  const noToken = await d.app.inject({ method: 'POST', url: `${credsUrl}/rotate`, cookies, headers: FORM, payload: '_csrf=' })
  t.equal(noToken.statusCode, 403)
  t.equal(await d.db.prisma.operation.count({ where: { instanceUuid: uuid } }), 0, 'refused form changed nothing')

  const res = await d.app.inject({ method: 'POST', url: `${credsUrl}/rotate`, cookies, headers: FORM, payload: `_csrf=${encodeURIComponent(csrf)}` })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, credsUrl)
  const ops = await d.db.prisma.operation.findMany({ where: { instanceUuid: uuid } })
  t.equal(ops.length, 1)
  t.match(ops[0], { kind: 'rotate_credentials', status: 'pending' })
  const audit = await d.db.prisma.auditEvent.findFirst({ where: { instanceUuid: uuid, event: 'rotation_requested' } })
  t.match(audit, { outcome: 'ok', detail: { by: 'dev@example.com' } })
  const { eventually } = await import('@addonkit/testkit')
  await eventually(() => wakeups.length === 1)
  t.match(wakeups[0], { operationId: ops[0]!.id, instanceUuid: uuid, kind: 'rotate_credentials' })

  const progress = await d.app.inject({ url: credsUrl, cookies })
  t.match(progress.body, /data-rotation="in-progress"/)
  t.match(progress.body, /<meta http-equiv="refresh" content="2">/, 'reloads itself without JavaScript')
  t.notMatch(progress.body, /credentials\/rotate"/, 'no second rotate button while one runs')

  const twice = await d.app.inject({ method: 'POST', url: `${credsUrl}/rotate`, cookies, headers: FORM, payload: `_csrf=${encodeURIComponent(csrf)}` })
  t.equal(twice.headers.location, `${credsUrl}?notice=rotation-already-running`)
  t.equal(await d.db.prisma.operation.count({ where: { instanceUuid: uuid } }), 1, 'a double submit starts one rotation')
  t.match((await d.app.inject({ url: twice.headers.location, cookies })).body, /already in progress/)

  await d.db.prisma.operation.update({ where: { id: ops[0]!.id }, data: { status: 'succeeded', finishedAt: new Date() } })
  const done = await d.app.inject({ url: credsUrl, cookies })
  t.match(done.body, /data-rotation="succeeded"/)
  t.notMatch(done.body, /http-equiv="refresh"/)

  await d.db.prisma.operation.update({ where: { id: ops[0]!.id }, data: { status: 'failed', lastError: 'internal detail: connection refused at 10.1.2.3' } })
  const failed = await d.app.inject({ url: credsUrl, cookies })
  t.match(failed.body, /data-rotation="failed"/)
  t.match(failed.body, new RegExp(`quote operation <code>${ops[0]!.id}</code>`))
  t.notMatch(failed.body, /10\.1\.2\.3/, 'internal error text is not shown')
  t.match(failed.body, /credentials\/rotate"/, 'can try again')
})

t.test('an add-on still being created cannot rotate', async (t) => {
  const pending = await createInstance(d, { state: 'provisioning' })
  const c = await signIn(d, pending)
  const page = await d.app.inject({ url: `/dashboard/${pending}/credentials`, cookies: c })
  t.notMatch(page.body, /credentials\/rotate"/)
  const res = await d.app.inject({ method: 'POST', url: `/dashboard/${pending}/credentials/rotate`, cookies: c, headers: FORM, payload: `_csrf=${encodeURIComponent(csrfOf(page.body))}` })
  t.equal(res.headers.location, `/dashboard/${pending}/credentials?notice=rotation-unavailable`)
  t.equal(await d.db.prisma.operation.count({ where: { instanceUuid: pending } }), 0)
})

t.test('activity lists the audit log, newest first, escaped', async (t) => {
  const { audit } = await import('@addonkit/lifecycle')
  await audit(d.db.prisma, uuid, 'plan_changed', 'ok', { from: 'hobby', to: '<b>pro</b>' })
  const res = await d.app.inject({ url: `/dashboard/${uuid}/activity`, cookies })
  t.equal(res.statusCode, 200)
  const events = [...res.body.matchAll(/<tr data-event="([a-z_]+)">/g)].map((m) => m[1])
  t.same(events, ['plan_changed', 'rotation_requested', 'credentials_revealed'])
  t.match(res.body, /to: &lt;b&gt;pro&lt;\/b&gt;/)
  t.match(res.body, /from: hobby/)
  t.notMatch(res.body, /<b>pro/)
  t.match(res.body, /aria-current="page">Activity</)
})
