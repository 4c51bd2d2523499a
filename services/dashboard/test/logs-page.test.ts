// The logs page over app.inject (search form, results, "older" link, empty states, escaping)
// and the live tail over a real socket: a LogTailMessage published on NATS reaches the SSE
// stream; another add-on's session cannot open this add-on's tail; signing out ends it.
import t from 'tap'
import http from 'node:http'
import { subjects, type LogTailMessage } from '@addonkit/contracts'
import { connectNats } from '@addonkit/service-kit'
import { buildDashboard, createInstance, csrfOf, FORM, signIn, startBase } from './helper.js'
import { createLogTenant, insertLines, routerLine } from './log-fixtures.js'

const base = await startBase(t)
const d = await buildDashboard(t, base, { tailHeartbeatMs: 300 })
const uuid = await createInstance(d)
const tenant = await createLogTenant(d.db, uuid)
const cookies = await signIn(d, uuid)
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000)

await insertLines(d.db, tenant, [
  { ts: at(30), msg: 'Booting <script>alert(1)</script>' },
  routerLine(at(20), 500, '/boom', 40),
  ...Array.from({ length: 120 }, (_, i) => ({ ts: at(10 - i / 100), msg: `bulk line ${i}`, proc: 'web.2' }))
])

t.test('the search form, results newest first and the "older" link', async (t) => {
  const res = await d.app.inject({ url: `/dashboard/${uuid}/logs`, cookies })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.body
  t.match(body, /<a href="\/dashboard\/[^"]+\/logs" aria-current="page">Logs<\/a>/)
  for (const id of ['logs-q', 'logs-range', 'logs-from', 'logs-to', 'logs-source', 'logs-proc', 'logs-status', 'logs-path']) {
    t.match(body, new RegExp(`<label for="${id}">`), `${id} is labelled`)
  }
  t.match(body, /<option value="1h" selected>Last hour<\/option>/, 'the last hour by default')
  const lines = [...body.matchAll(/<li data-seq="(\d+)">/g)]
  t.equal(lines.length, 100, 'one page of 100 lines')
  t.match(body, /bulk line 119/, 'the newest line is on the first page')
  t.notMatch(body, /bulk line 0</, 'the oldest bulk line is not')
  t.match(body, /aria-live="polite"/, 'the live tail list')
  t.match(body, /<script src="\/assets\/log-tail.js" defer><\/script>/)
  const older = /href="([^"]+)" rel="next" data-older/.exec(body)
  t.ok(older, 'an "older" link')
  const page2 = await d.app.inject({ url: older![1]!.replaceAll('&amp;', '&'), cookies })
  t.equal(page2.statusCode, 200)
  t.match(page2.body, /bulk line 0</)
  t.match(page2.body, /status=500/)
  t.match(page2.body, /Booting &lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'messages are escaped')
  t.notMatch(page2.body, /<script>alert/)
  t.notMatch(page2.body, /bulk line 119/, 'no line twice')
  t.notMatch(page2.body, /data-older/, 'the last page')
  t.match(page2.body, /Newest lines/)
})

t.test('filters from the query string, echoed back in the form', async (t) => {
  const res = await d.app.inject({ url: `/dashboard/${uuid}/logs?q=BOOM&range=24h&source=heroku&proc=router&status=5xx&path=%2Fbo`, cookies })
  t.equal(res.statusCode, 200)
  t.equal([...res.body.matchAll(/<li data-seq=/g)].length, 1)
  t.match(res.body, /path=&quot;\/boom&quot;/)
  t.match(res.body, /<input id="logs-q" name="q" type="search" value="BOOM"/)
  t.match(res.body, /<option value="24h" selected>/)
  t.match(res.body, /<option value="5xx" selected>5xx<\/option>/)
  const none = await d.app.inject({ url: `/dashboard/${uuid}/logs?q=nothing-like-this`, cookies })
  t.match(none.body, /data-logs="empty"/)
  const custom = await d.app.inject({ url: `/dashboard/${uuid}/logs?range=custom&from=${encodeURIComponent(at(35).toISOString().slice(0, 16))}&to=${encodeURIComponent(at(25).toISOString().slice(0, 16))}`, cookies })
  t.match(custom.body, /Booting/)
  t.notMatch(custom.body, /bulk line/)
  const odd = await d.app.inject({ url: `/dashboard/${uuid}/logs?range=custom&from=yesterday&status=6xx&before=x`, cookies })
  t.equal(odd.statusCode, 200, 'odd values never fail the page')
  t.match(odd.body, /role="alert"/)
  t.match(odd.body, /not a date and time/)
})

t.test('empty states: no log tenant; only a signed-in session', async (t) => {
  const other = await createInstance(d)
  const c = await signIn(d, other)
  const res = await d.app.inject({ url: `/dashboard/${other}/logs`, cookies: c })
  t.equal(res.statusCode, 200)
  t.match(res.body, /data-logs="no-tenant"/)
  t.notMatch(res.body, /aria-live/, 'nothing to tail')
  const tail = await d.app.inject({ url: `/dashboard/${other}/logs/tail`, cookies: c })
  t.equal(tail.statusCode, 404)
  const anon = await d.app.inject({ url: `/dashboard/${uuid}/logs` })
  t.equal(anon.statusCode, 403)
  t.match(anon.body, /data-error-code="DASH_LOGIN_REQUIRED"/)
  const crossed = await d.app.inject({ url: `/dashboard/${uuid}/logs`, cookies: c })
  t.equal(crossed.statusCode, 403, 'another add-on\'s session')
})

t.test('the log tail script is served', async (t) => {
  const res = await d.app.inject({ url: '/assets/log-tail.js' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/javascript/)
  t.match(res.body, /new EventSource/)
  t.match(res.body, /textContent = l.message/)
})

const url = await d.app.listen({ port: 0, host: '127.0.0.1' })
const publisher = await connectNats(d.nats.url, 'test-log-writer')
t.teardown(() => publisher.close())

interface Stream { status: number, headers: http.IncomingHttpHeaders, text: () => string, waitFor: (re: RegExp, ms?: number) => Promise<void>, close: () => void, ended: Promise<void> }

function openStream (path: string, cookie: Record<string, string>): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}${path}`, { headers: { cookie: `addonkit_session=${encodeURIComponent(cookie.addonkit_session!)}`, accept: 'text/event-stream' } }, (res) => {
      let buf = ''
      const waiters: Array<() => void> = []
      res.setEncoding('utf8')
      res.on('data', (c: string) => { buf += c; for (const w of waiters.splice(0)) w() })
      const ended = new Promise<void>((resolve) => res.on('close', () => resolve()))
      resolve({
        status: res.statusCode!, headers: res.headers, text: () => buf, ended,
        close: () => req.destroy(),
        waitFor: (re, ms = 2000) => new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in ${JSON.stringify(buf)}`)), ms)
          const check = () => { if (re.test(buf)) { clearTimeout(timer); resolve() } else waiters.push(check) }
          check()
        })
      })
    })
    req.on('error', reject)
  })
}

function publish (tenantId: string, message: string): void {
  const msg: LogTailMessage = { tenantId, lines: [{ ts: new Date().toISOString(), source: 'app', proc: 'web.1', message, status: null, path: null }] }
  publisher.publish(subjects.logTail(tenantId), JSON.stringify(msg))
}

t.test('live tail: a published batch reaches the SSE stream at once', async (t) => {
  const s = await openStream(`/dashboard/${uuid}/logs/tail`, cookies)
  t.teardown(() => s.close())
  t.equal(s.status, 200)
  t.match(s.headers['content-type'], /^text\/event-stream/)
  t.equal(s.headers['cache-control'], 'no-store')
  await s.waitFor(/: live tail/)
  const started = Date.now()
  publish(tenant, 'hello from the tail <b>')
  await s.waitFor(/event: line\ndata: .*hello from the tail <b>/, 1000)
  t.ok(Date.now() - started < 1000, `delivered in ${Date.now() - started} ms`)
  const data = JSON.parse(/data: (.*hello from the tail.*)\n/.exec(s.text())![1]!)
  t.match(data, { source: 'app', proc: 'web.1', message: 'hello from the tail <b>' })
  publisher.publish(subjects.logTail(tenant), 'not json')
  publish(tenant, 'after a malformed message')
  await s.waitFor(/after a malformed message/, 1000)
  await s.waitFor(/: keep-alive/, 2000)
  t.pass('heartbeat comments')
})

t.test('live tail: another add-on\'s session cannot tail this tenant, nor sees its lines', async (t) => {
  const other = await createInstance(d)
  const otherTenant = await createLogTenant(d.db, other)
  const otherCookies = await signIn(d, other)
  const refused = await openStream(`/dashboard/${uuid}/logs/tail`, otherCookies)
  t.equal(refused.status, 403)
  await refused.ended
  t.notMatch(refused.text(), /event: line/)
  const theirs = await openStream(`/dashboard/${other}/logs/tail`, otherCookies)
  t.teardown(() => theirs.close())
  t.equal(theirs.status, 200)
  await theirs.waitFor(/: live tail/)
  publish(tenant, 'a line of the first add-on')
  publish(otherTenant, 'a line of the other add-on')
  await theirs.waitFor(/a line of the other add-on/, 1000)
  t.notMatch(theirs.text(), /first add-on/)
})

t.test('live tail: signing out ends the stream; closing it unsubscribes', async (t) => {
  const c = await signIn(d, uuid)
  const s = await openStream(`/dashboard/${uuid}/logs/tail`, c)
  t.equal(s.status, 200)
  await s.waitFor(/: live tail/)
  const page = await d.app.inject({ url: `/dashboard/${uuid}/credentials`, cookies: c })
  await d.app.inject({ method: 'POST', url: `/dashboard/${uuid}/logout`, cookies: c, headers: FORM, payload: `_csrf=${encodeURIComponent(csrfOf(page.body))}` })
  await s.ended
  t.pass('the stream ended after the session did')

  const subs = () => (d.app.nats as unknown as { protocol: { subscriptions: { size: () => number } } }).protocol.subscriptions.size()
  const before = subs()
  const s2 = await openStream(`/dashboard/${uuid}/logs/tail`, cookies)
  await s2.waitFor(/: live tail/)
  t.equal(subs(), before + 1, 'one subscription while open')
  s2.close()
  const { eventually } = await import('@addonkit/testkit')
  await eventually(() => subs() === before)
  t.pass('unsubscribed on close')
})
