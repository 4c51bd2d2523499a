// Dashboard sessions: idle and absolute expiry (short lifetimes through buildApp options),
// a session opens only its own add-on, sign-out ends it, CSRF tokens guard every form, and
// expired sessions and used SSO nonces are deleted in the background.
import t from 'tap'
import { FORM, createInstance, csrfOf, signIn, sleep, startBase, buildDashboard, startDashboard, postSso, ssoForm } from './helper.js'

t.test('idle expiry: a session unused for longer than the idle time ends', async (t) => {
  const d = await startDashboard(t, { sessionIdleMs: 1000 })
  const uuid = await createInstance(d)
  const cookies = await signIn(d, uuid)
  t.equal((await d.app.inject({ url: `/dashboard/${uuid}`, cookies })).statusCode, 200)
  await sleep(1300)
  const res = await d.app.inject({ url: `/dashboard/${uuid}`, cookies })
  t.equal(res.statusCode, 403)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.body, /data-page="login-required"/)
  t.match(res.body, /Sign-in required/)
  t.match(res.body, /heroku addons:open/)
})

t.test('activity keeps a session alive past the idle time', async (t) => {
  const d = await startDashboard(t, { sessionIdleMs: 1200 })
  const uuid = await createInstance(d)
  const cookies = await signIn(d, uuid)
  for (let i = 0; i < 3; i++) {
    await sleep(700)
    t.equal((await d.app.inject({ url: `/dashboard/${uuid}/activity`, cookies })).statusCode, 200, `request ${i + 1}, ${(i + 1) * 700} ms after sign-in`)
  }
})

t.test('absolute expiry: a session ends after its lifetime however active it is', async (t) => {
  const d = await startDashboard(t, { sessionIdleMs: 10_000, sessionMaxAgeMs: 1500 })
  const uuid = await createInstance(d)
  const { res, cookie } = await postSso(d.app, ssoForm(d, uuid))
  t.equal(res.statusCode, 303)
  t.equal(cookie!.maxAge, 1, 'the cookie does not outlive the session')
  const cookies = { addonkit_session: cookie!.value }
  t.equal((await d.app.inject({ url: `/dashboard/${uuid}`, cookies })).statusCode, 200)
  await sleep(800)
  t.equal((await d.app.inject({ url: `/dashboard/${uuid}`, cookies })).statusCode, 200)
  await sleep(900)
  const late = await d.app.inject({ url: `/dashboard/${uuid}`, cookies })
  t.equal(late.statusCode, 403)
  t.match(late.body, /data-error-code="DASH_LOGIN_REQUIRED"/)
})

const base = await startBase(t)
const d = await buildDashboard(t, base)

t.test('no cookie, a tampered cookie, or another add-on\'s cookie → login required', async (t) => {
  const a = await createInstance(d)
  const b = await createInstance(d)
  const cookies = await signIn(d, a)
  const none = await d.app.inject({ url: `/dashboard/${a}` })
  t.equal(none.statusCode, 403)
  t.match(none.body, /data-page="login-required"/)
  const [id, sig] = cookies.addonkit_session!.split('.')
  const tampered = await d.app.inject({ url: `/dashboard/${a}`, cookies: { addonkit_session: `${id}x.${sig}` } })
  t.equal(tampered.statusCode, 403)
  const unsigned = await d.app.inject({ url: `/dashboard/${a}`, cookies: { addonkit_session: id! } })
  t.equal(unsigned.statusCode, 403)
  const other = await d.app.inject({ url: `/dashboard/${b}`, cookies })
  t.equal(other.statusCode, 403, 'a session opens only the add-on it was made for')
  t.equal((await d.app.inject({ url: `/dashboard/${a}`, cookies })).statusCode, 200)
})

t.test('an add-on deprovisioned after sign-in closes its dashboard', async (t) => {
  const uuid = await createInstance(d)
  const cookies = await signIn(d, uuid)
  await d.db.prisma.instance.update({ where: { uuid }, data: { state: 'deprovisioned' } })
  const res = await d.app.inject({ url: `/dashboard/${uuid}`, cookies })
  t.equal(res.statusCode, 410)
  t.match(res.body, /has been removed/)
  t.equal((await d.db.pool.query('SELECT 1 FROM dashboard_sessions WHERE instance_uuid = $1', [uuid])).rowCount, 0, 'its sessions end')
})

t.test('sign-out needs the CSRF token, ends the session and clears the cookie', async (t) => {
  const uuid = await createInstance(d)
  const cookies = await signIn(d, uuid)
  const page = await d.app.inject({ url: `/dashboard/${uuid}`, cookies })
  const csrf = csrfOf(page.body)
  const refused = await d.app.inject({ method: 'POST', url: `/dashboard/${uuid}/logout`, cookies, headers: FORM, payload: '' })
  t.equal(refused.statusCode, 403)
  t.match(refused.body, /data-error-code="DASH_CSRF_INVALID"/)
  t.equal((await d.app.inject({ url: `/dashboard/${uuid}`, cookies })).statusCode, 200, 'still signed in')
  const out = await d.app.inject({ method: 'POST', url: `/dashboard/${uuid}/logout`, cookies, headers: FORM, payload: `_csrf=${encodeURIComponent(csrf)}` })
  t.equal(out.statusCode, 200)
  t.match(out.body, /Signed out/)
  const cleared = out.cookies.find((c) => c.name === 'addonkit_session')
  t.ok(cleared && cleared.value === '' && cleared.path === `/dashboard/${uuid}`, 'cookie cleared')
  t.equal((await d.app.inject({ url: `/dashboard/${uuid}`, cookies })).statusCode, 403)
})

t.test('a CSRF token of another session is refused', async (t) => {
  const uuid = await createInstance(d)
  const mine = await signIn(d, uuid)
  const theirs = await signIn(d, uuid, { user: { user_id: '0b9a7c52-1b1e-4e4e-9d3a-6f1f0c2a9e11', email: 'teammate@example.com' } })
  const theirCsrf = csrfOf((await d.app.inject({ url: `/dashboard/${uuid}`, cookies: theirs })).body)
  const res = await d.app.inject({ method: 'POST', url: `/dashboard/${uuid}/credentials/rotate`, cookies: mine, headers: FORM, payload: `_csrf=${encodeURIComponent(theirCsrf)}` })
  t.equal(res.statusCode, 403)
  t.match(res.body, /Form refused/)
  t.equal(await d.db.prisma.operation.count({ where: { instanceUuid: uuid } }), 0, 'nothing was enqueued')
})

t.test('pages carry security headers and are not cached', async (t) => {
  const uuid = await createInstance(d)
  const cookies = await signIn(d, uuid)
  const res = await d.app.inject({ url: `/dashboard/${uuid}`, cookies })
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  t.match(res.headers['content-security-policy'], /frame-ancestors 'none'/)
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['x-frame-options'], 'DENY')
})

t.test('unknown dashboard pages and malformed ids get HTML pages', async (t) => {
  const uuid = await createInstance(d)
  const cookies = await signIn(d, uuid)
  const missing = await d.app.inject({ url: `/dashboard/${uuid}/no-such-page`, cookies })
  t.equal(missing.statusCode, 404)
  t.match(missing.headers['content-type'], /^text\/html/)
  t.match(missing.body, /Page not found/)
  const bad = await d.app.inject({ url: '/dashboard/not-a-uuid', cookies })
  t.equal(bad.statusCode, 400)
  t.match(bad.headers['content-type'], /^text\/html/)
})

t.test('the stylesheet and the home page', async (t) => {
  const css = await d.app.inject({ url: '/assets/dashboard.css' })
  t.equal(css.statusCode, 200)
  t.match(css.headers['content-type'], /^text\/css/)
  t.match(css.body, /:focus-visible/)
  const again = await d.app.inject({ url: '/assets/dashboard.css', headers: { 'if-none-match': css.headers.etag as string } })
  t.equal(again.statusCode, 304)
  const home = await d.app.inject({ url: '/' })
  t.equal(home.statusCode, 200)
  t.match(home.body, /heroku addons:open/)
})

t.test('expired sessions and used SSO nonces are deleted in the background', async (t) => {
  const d = await startDashboard(t, { sessionIdleMs: 200, housekeepingMs: 100 })
  const uuid = await createInstance(d)
  await signIn(d, uuid)
  await d.db.pool.query("INSERT INTO dashboard_sso_nonces (hash, expires_at) VALUES ('old', now() - interval '1 second')")
  t.equal((await d.db.pool.query('SELECT 1 FROM dashboard_sessions')).rowCount, 1)
  await sleep(800)
  t.equal((await d.db.pool.query('SELECT 1 FROM dashboard_sessions')).rowCount, 0, 'expired session deleted')
  t.equal((await d.db.pool.query("SELECT 1 FROM dashboard_sso_nonces WHERE hash = 'old'")).rowCount, 0, 'expired nonce deleted')
  t.equal((await d.db.pool.query('SELECT 1 FROM dashboard_sso_nonces')).rowCount, 2, 'the nonces of the live sign-in stay (user and resource keys)')
})
