// "Connect Heroku account" against the Heroku simulator's id.heroku.com (authorize and
// token endpoints), over app.inject: the CSRF-checked POST answers 303 to Heroku's authorize
// page with a state bound to the session in a signed cookie; Heroku's 302 back carries the
// code, which the callback exchanges with the OAuth client's secret and stores sealed in
// user_oauth_tokens (the tokens work at the simulator's Platform API); a replayed, wrong or
// missing state is the 403 page; access_denied and a refused code come back as messages;
// disconnecting forgets the tokens without calling Heroku. Without a configured client the
// page says so and the routes are 404.
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { contexts, randomSecret } from '@addonkit/secrets'
import { loadDashboardConfig } from '../src/config.js'
import { FORM, USER, buildDashboard, createInstance, csrfOf, formBody, signIn, startBase, type Dash } from './helper.js'

const base = await startBase(t)
const PUBLIC_URL = 'https://dash.example.com'
const CALLBACK = `${PUBLIC_URL}/dashboard/oauth/callback`
const OAUTH = { id: 'addonkit-autoscaling-test', secret: randomSecret(24) }
// The platform's simulator learns our OAuth client; its secret is not the add-on's, so a
// code exchanged with the wrong one is refused.
const sim = base.platform.sim
sim.setOAuthClient({ id: OAUTH.id, secret: OAUTH.secret, redirectUris: [CALLBACK] })
// Configured as in production: from the environment.
const config = loadDashboardConfig({ ...base.env, HEROKU_OAUTH_ID: OAUTH.id, HEROKU_OAUTH_SECRET: OAUTH.secret, HEROKU_ID_URL: sim.idUrl, HEROKU_API_URL: sim.apiUrl, DASHBOARD_PUBLIC_URL: PUBLIC_URL })
const d = await buildDashboard(t, base, {}, config)

const STATE_COOKIE = 'addonkit_oauth_state'
const tokenRow = (uuid: string) => d.db.prisma.userOAuthToken.findUnique({ where: { instanceUuid: uuid } })

/** An add-on Heroku knows (its owner approves on the simulator) and a session on its dashboard. */
async function addon (): Promise<{ uuid: string, cookies: Record<string, string>, csrf: string }> {
  const uuid = await createInstance(d)
  sim.registerAddon(uuid, { plan: 'hobby' })
  const cookies = await signIn(d, uuid)
  const page = await d.app.inject({ url: `/dashboard/${uuid}/autoscaling`, cookies })
  return { uuid, cookies, csrf: csrfOf(page.body) }
}

interface Started { res: LightMyRequestResponse, authorize: URL, cookie: string }

/** Clicks "Connect Heroku account". */
async function connect (a: { uuid: string, cookies: Record<string, string>, csrf: string }): Promise<Started> {
  const res = await d.app.inject({ method: 'POST', url: `/dashboard/${a.uuid}/autoscaling/connect`, cookies: a.cookies, headers: FORM, payload: formBody({ _csrf: a.csrf }) })
  if (res.statusCode !== 303) throw new Error(`connect: ${res.statusCode}`)
  const cookie = res.cookies.find((c) => c.name === STATE_COOKIE)
  if (!cookie) throw new Error('no state cookie')
  return { res, authorize: new URL(res.headers.location as string), cookie: cookie.value }
}

/** Heroku's authorize page: the simulator approves at once and redirects back. */
async function approve (authorize: URL): Promise<URL> {
  const r = await fetch(authorize, { redirect: 'manual' })
  if (r.status !== 302) throw new Error(`authorize: ${r.status} ${await r.text()}`)
  return new URL(r.headers.get('location')!)
}

/** The browser arriving at the callback (only the state cookie is sent there: the session cookie's path is the add-on's). */
function callback (dash: Dash, url: URL, cookie?: string) {
  return dash.app.inject({ url: `${url.pathname}${url.search}`, cookies: cookie === undefined ? {} : { [STATE_COOKIE]: cookie } })
}

t.test('connect: 303 to Heroku, approved, the callback stores the tokens sealed', async (t) => {
  const a = await addon()
  const page = await d.app.inject({ url: `/dashboard/${a.uuid}/autoscaling`, cookies: a.cookies })
  t.match(page.body, /data-account="none"/)
  t.match(page.body, new RegExp(`<form method="post" action="/dashboard/${a.uuid}/autoscaling/connect" class="stack"><input type="hidden" name="_csrf" value="[^"]+"><button type="submit" class="secondary">Connect Heroku account</button>`))
  t.match(page.headers['content-security-policy'], new RegExp(`form-action 'self' ${new URL(sim.idUrl).origin};`), 'the form may redirect to Heroku\'s OAuth host, and only there')

  const noToken = await d.app.inject({ method: 'POST', url: `/dashboard/${a.uuid}/autoscaling/connect`, cookies: a.cookies, headers: FORM, payload: '' })
  t.equal(noToken.statusCode, 403, 'the POST needs the CSRF token')
  t.match(noToken.body, /DASH_CSRF_INVALID/)
  t.notOk(noToken.cookies.some((c) => c.name === STATE_COOKIE))

  const { res, authorize, cookie } = await connect(a)
  t.equal(`${authorize.origin}${authorize.pathname}`, `${sim.idUrl}/oauth/authorize`)
  const q = Object.fromEntries(authorize.searchParams)
  t.match(q, { client_id: OAUTH.id, response_type: 'code', scope: 'write', redirect_uri: CALLBACK })
  t.match(q.state, /^[A-Za-z0-9_-]{43}$/, 'a random state')
  const set = res.cookies.find((c) => c.name === STATE_COOKIE)!
  t.match(set, { path: '/dashboard/oauth', httpOnly: true, sameSite: 'Lax', maxAge: 600 })
  t.not(cookie.split('.')[0], cookie, 'signed')
  t.notMatch(cookie, new RegExp(a.cookies.addonkit_session!.split('.')[0]!), 'the session id is not in it (only its hash)')

  const back = await approve(authorize)
  t.equal(`${back.origin}${back.pathname}`, CALLBACK, 'Heroku sends the browser to the registered callback')
  t.equal(back.searchParams.get('state'), q.state)
  const code = back.searchParams.get('code')
  t.ok(code)

  const done = await callback(d, back, cookie)
  t.equal(done.statusCode, 303)
  t.equal(done.headers.location, `/dashboard/${a.uuid}/autoscaling?notice=connected`)
  t.equal(done.headers['cache-control'], 'no-store')
  t.match(done.cookies.find((c) => c.name === STATE_COOKIE), { value: '', path: '/dashboard/oauth' }, 'the state cookie is cleared')

  const row = await tokenRow(a.uuid)
  t.ok(row, 'a row in user_oauth_tokens')
  t.equal(row!.scope, 'write')
  const access = d.keyRing.open(row!.accessTokenEnc, contexts.oauth(a.uuid, 'user-access'))
  const refresh = d.keyRing.open(row!.refreshTokenEnc, contexts.oauth(a.uuid, 'user-refresh'))
  t.ok(access && refresh && access !== refresh)
  t.notOk(JSON.stringify(row).includes(access) || JSON.stringify(row).includes(refresh) || JSON.stringify(row).includes(code!), 'sealed: no raw token (or code) in the row')
  t.throws(() => d.keyRing.open(row!.accessTokenEnc, contexts.oauth(a.uuid, 'user-refresh')), 'sealed for its own context')
  t.ok(row!.expiresAt.getTime() > Date.now() + 7 * 3600_000, 'Heroku\'s 8-hour access token')
  // The token is the owner's, with the write scope: it reads the app's formation at Heroku.
  const app = sim.addons.get(a.uuid)!.app
  const formation = await fetch(`${sim.apiUrl}/apps/${app.name}/formation`, { headers: { Authorization: `Bearer ${access}`, Accept: 'application/vnd.heroku+json; version=3' } })
  t.equal(formation.status, 200, 'the stored token works at the Platform API')
  const authz = [...sim.authorizations.values()].filter((x) => x.client.id === OAUTH.id)
  t.ok(authz.some((x) => x.scope.includes('write') && x.user.id === sim.addons.get(a.uuid)!.owner.id), 'authorized by the app owner with write')

  const ev = await d.db.prisma.auditEvent.findFirst({ where: { instanceUuid: a.uuid, event: 'heroku_account_connected' } })
  t.match(ev, { outcome: 'ok', detail: { by: USER.email, scope: 'write' } })
  t.notOk(JSON.stringify(ev!.detail).includes(access), 'no token in the audit log')

  const after = await d.app.inject({ url: done.headers.location as string, cookies: a.cookies })
  t.match(after.body, /data-notice="connected"/)
  t.match(after.body, /data-account="connected"/)
  t.match(after.body, /Disconnect Heroku account<\/button>/)
  t.notMatch(after.body, /Connect Heroku account<\/button>/)

  t.test('the same answer again (a replay) is the 403 page and changes nothing', async (t) => {
    const again = await callback(d, back, cookie)
    t.equal(again.statusCode, 403)
    t.match(again.body, /data-page="oauth-refused" data-error-code="DASH_OAUTH_STATE_INVALID"/)
    t.match(again.body, /<h1>Connection refused<\/h1>/)
    t.equal((await tokenRow(a.uuid))!.accessTokenEnc, row!.accessTokenEnc)
  })
})

t.test('a wrong, missing or forged state is the 403 page, and nothing is stored', async (t) => {
  const a = await addon()
  const { authorize, cookie } = await connect(a)
  const back = await approve(authorize)
  const wrong = new URL(back)
  wrong.searchParams.set('state', 'A'.repeat(43))
  const noState = new URL(back)
  noState.searchParams.delete('state')
  const [state, ...rest] = cookie.split('.')
  const forged = [state, a.uuid, 'f'.repeat(64), String(Date.now() + 60_000)].join('.')
  const cases: Array<[string, URL, string | undefined]> = [
    ['another state', wrong, cookie],
    ['no state', noState, cookie],
    ['no cookie (another browser)', back, undefined],
    ['an unsigned cookie', back, forged],
    ['a cookie whose signature does not match', back, [state, ...rest.slice(0, -1), 'x'].join('.')]
  ]
  for (const [name, url, c] of cases) {
    const res = await callback(d, url, c)
    t.equal(res.statusCode, 403, name)
    t.match(res.body, /DASH_OAUTH_STATE_INVALID/, name)
  }
  t.equal(await tokenRow(a.uuid), null)
  // The state was not used up by the refusals: the right answer still connects.
  t.equal((await callback(d, back, cookie)).statusCode, 303)
  t.ok(await tokenRow(a.uuid))
})

t.test('an answer for a session that has ended needs a new sign-in', async (t) => {
  const a = await addon()
  const { authorize, cookie } = await connect(a)
  const back = await approve(authorize)
  await d.app.inject({ method: 'POST', url: `/dashboard/${a.uuid}/logout`, cookies: a.cookies, headers: FORM, payload: formBody({ _csrf: a.csrf }) })
  const res = await callback(d, back, cookie)
  t.equal(res.statusCode, 403)
  t.match(res.body, /DASH_LOGIN_REQUIRED/)
  t.equal(await tokenRow(a.uuid), null)
})

t.test('access_denied from Heroku comes back as a message', async (t) => {
  const a = await addon()
  const { authorize, cookie } = await connect(a)
  const denied = new URL(CALLBACK)
  denied.search = new URLSearchParams({ error: 'access_denied', error_description: 'The user denied access', state: authorize.searchParams.get('state')! }).toString()
  const res = await callback(d, denied, cookie)
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/dashboard/${a.uuid}/autoscaling?notice=access-denied`)
  const page = await d.app.inject({ url: res.headers.location as string, cookies: a.cookies })
  t.match(page.body, /data-notice="access-denied"[^]*You did not allow access on Heroku, so no account was connected/)
  t.equal(await tokenRow(a.uuid), null)
  t.equal((await callback(d, denied, cookie)).statusCode, 403, 'its state is used up too')
})

t.test('a code Heroku refuses: a message and an audit entry, nothing stored', async (t) => {
  const a = await addon()
  const { authorize, cookie } = await connect(a)
  const bogus = new URL(CALLBACK)
  bogus.search = new URLSearchParams({ code: 'not-a-code', state: authorize.searchParams.get('state')! }).toString()
  const res = await callback(d, bogus, cookie)
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/dashboard/${a.uuid}/autoscaling?notice=oauth-failed`)
  t.equal(await tokenRow(a.uuid), null)
  t.match(await d.db.prisma.auditEvent.findFirst({ where: { instanceUuid: a.uuid, event: 'heroku_account_connected' } }), { outcome: 'failed' })
  const page = await d.app.inject({ url: res.headers.location as string, cookies: a.cookies })
  t.match(page.body, /data-notice="oauth-failed"/)
})

t.test('disconnect forgets the tokens without calling Heroku', async (t) => {
  const a = await addon()
  const { authorize, cookie } = await connect(a)
  t.equal((await callback(d, await approve(authorize), cookie)).statusCode, 303)
  t.ok(await tokenRow(a.uuid))
  const url = `/dashboard/${a.uuid}/autoscaling/disconnect`
  t.equal((await d.app.inject({ method: 'POST', url, cookies: a.cookies, headers: FORM, payload: '' })).statusCode, 403, 'CSRF')
  t.ok(await tokenRow(a.uuid))
  const calls = sim.calls.length
  const res = await d.app.inject({ method: 'POST', url, cookies: a.cookies, headers: FORM, payload: formBody({ _csrf: a.csrf }) })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/dashboard/${a.uuid}/autoscaling?notice=disconnected`)
  t.equal(await tokenRow(a.uuid), null)
  t.equal(sim.calls.length, calls, 'Heroku was not called')
  t.match(await d.db.prisma.auditEvent.findFirst({ where: { instanceUuid: a.uuid, event: 'heroku_account_disconnected' } }), { outcome: 'ok', detail: { by: USER.email } })
  const page = await d.app.inject({ url: res.headers.location as string, cookies: a.cookies })
  t.match(page.body, /data-notice="disconnected"[^]*Heroku was not told/)
  t.match(page.body, /data-account="none"/)
})

t.test('the add-on\'s token refused: the page asks for an account', async (t) => {
  const a = await addon()
  await d.db.prisma.autoscaleApp.create({ data: { instanceUuid: a.uuid, authorization: 'needs_user' } })
  const page = await d.app.inject({ url: `/dashboard/${a.uuid}/autoscaling`, cookies: a.cookies })
  t.match(page.body, /<div class="panel notice-bad" data-account="none">[^]*Heroku refused the add-on&#39;s own token[^]*<button type="submit">Connect Heroku account<\/button>/)
})

t.test('without an OAuth client: a sentence instead of the button, and the routes are 404', async (t) => {
  const plain = await buildDashboard(t, base)
  const uuid = await createInstance(plain)
  const cookies = await signIn(plain, uuid)
  const page = await plain.app.inject({ url: `/dashboard/${uuid}/autoscaling`, cookies })
  t.match(page.body, /data-account="unconfigured">Connecting a Heroku account is not available: the operator of this add-on has not configured a Heroku OAuth client/)
  t.notMatch(page.body, /autoscaling\/connect/)
  t.match(page.headers['content-security-policy'], /form-action 'self';/)
  const res = await plain.app.inject({ method: 'POST', url: `/dashboard/${uuid}/autoscaling/connect`, cookies, headers: FORM, payload: formBody({ _csrf: csrfOf(page.body) }) })
  t.equal(res.statusCode, 404)
  t.match(res.body, /DASH_OAUTH_NOT_CONFIGURED/)
  t.equal((await plain.app.inject({ url: '/dashboard/oauth/callback?code=x&state=y' })).statusCode, 404)
})
