// SSO (protocol §10): each token kind signs in once with a 303 and a session cookie; forged,
// stale, future, replayed and unknown requests get a 403 HTML page; failures are limited
// per source address; Heroku's extra fields reach the landing page.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { sha256Hex } from '@addonkit/secrets'
import { DASHBOARD_DEFAULTS } from '../src/app.js'
import { replayKeys } from '../src/sso/sso-params.js'
import { legacyToken, resourceToken } from '../src/sso/tokens.js'
import { FORM, USER, createInstance, formBody, postSso, ssoForm, startDashboard } from './helper.js'

const d = await startDashboard(t, { ssoFailureLimit: { max: 1000, windowMs: 60_000 } })

t.test('user_scoped_resource_token → 303 to the dashboard with a session cookie', async (t) => {
  const uuid = await createInstance(d)
  const { res, cookie } = await postSso(d.app, ssoForm(d, uuid))
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/dashboard/${uuid}`)
  t.equal(res.body, '', 'a bare redirect')
  t.ok(cookie, 'session cookie set')
  t.equal(cookie!.httpOnly, true, 'HttpOnly')
  t.equal(cookie!.sameSite, 'Lax', 'SameSite=Lax survives the redirect after a cross-site POST')
  t.notOk(cookie!.secure, 'not Secure over plain http (cookie-secure.test.ts covers https)')
  t.equal(cookie!.path, `/dashboard/${uuid}`)
  t.equal(cookie!.maxAge, 12 * 3600, 'lives at most the absolute session lifetime')
  t.match(cookie!.value, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/=]+$/, 'a random id with a signature')
  const rows = await d.db.pool.query('SELECT instance_uuid, user_id, email FROM dashboard_sessions')
  t.match(rows.rows, [{ instance_uuid: uuid, user_id: USER.user_id, email: USER.email }], 'the session is the per-resource shadow user')
  t.notOk(JSON.stringify(rows.rows).includes(cookie!.value.split('.')[0]!), 'the raw session id is not stored')
  const page = await d.app.inject({ url: res.headers.location as string, cookies: { addonkit_session: cookie!.value } })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.body, /Signed in as <strong>dev@example\.com<\/strong>/)
})

t.test('a form posted with charset=UTF-8 and either Accept → 303', async (t) => {
  for (const accept of ['text/html,application/xhtml+xml', 'application/json']) {
    const uuid = await createInstance(d)
    const res = await d.app.inject({ method: 'POST', url: '/sso/login', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', accept }, payload: formBody(ssoForm(d, uuid)) })
    t.equal(res.statusCode, 303, accept)
    t.equal(res.headers.location, `/dashboard/${uuid}`)
  }
})

t.test('resource_token alone → 303', async (t) => {
  const uuid = await createInstance(d)
  const { res, cookie } = await postSso(d.app, ssoForm(d, uuid, { kind: 'resource' }))
  t.equal(res.statusCode, 303)
  t.ok(cookie)
})

t.test('a wrong user-scoped token falls back to a valid resource_token', async (t) => {
  const uuid = await createInstance(d)
  const { res } = await postSso(d.app, { ...ssoForm(d, uuid), user_scoped_resource_token: 'f'.repeat(64) })
  t.equal(res.statusCode, 303)
})

t.test('legacy id/token POST → 303', async (t) => {
  const uuid = await createInstance(d)
  const { res, cookie } = await postSso(d.app, ssoForm(d, uuid, { kind: 'legacy' }))
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/dashboard/${uuid}`)
  t.ok(cookie)
})

t.test('the legacy token is signed over id (protocol §10.2), also when resource_id is posted too', async (t) => {
  // Heroku's v1 field is the provider id, which is the add-on's uuid here; the resource_id
  // beside it is spelled differently, so a token over resource_id would not match.
  const uuid = await createInstance(d)
  const ts = ssoForm(d, uuid, { kind: 'legacy' }).timestamp!
  const form = { id: uuid, resource_id: uuid.toUpperCase(), token: legacyToken(uuid, d.config.ssoSalt, ts), timestamp: ts, email: USER.email, app: 'my-app' }
  const { res, cookie } = await postSso(d.app, form)
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/dashboard/${uuid}`, 'the add-on the id names')
  t.ok(cookie)
  const overResourceId = { ...form, id: uuid.toUpperCase(), resource_id: uuid, timestamp: String(Number(ts) - 1), token: legacyToken(uuid, d.config.ssoSalt, String(Number(ts) - 1)) }
  const refused = await postSso(d.app, overResourceId)
  t.equal(refused.res.statusCode, 403, 'a token over resource_id when id differs does not verify')
  t.match(refused.res.body, /could not be verified/)
})

t.test('kensa\'s v1 form: nav-data is kept as the heroku-nav-data cookie; the page carries div#heroku-header', async (t) => {
  const uuid = await createInstance(d)
  const nav = Buffer.from(JSON.stringify({ addon: 'Addonkit', appname: 'myapp', addons: [] })).toString('base64url')
  const { res, cookie } = await postSso(d.app, ssoForm(d, uuid, { kind: 'legacy', app: 'myapp', extra: { 'nav-data': nav } }))
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/dashboard/${uuid}`, 'nav-data is not passed on as an extra')
  const navCookie = res.cookies.find((c) => c.name === 'heroku-nav-data')
  t.ok(navCookie, 'heroku-nav-data is set')
  t.equal(navCookie!.value, nav, 'equal to the posted nav-data')
  t.equal(navCookie!.path, '/', 'for every path, the way the v1 header script reads it')
  t.notOk(navCookie!.httpOnly, 'readable by the header script: it holds names, no secret')
  t.notOk(navCookie!.secure, 'not Secure over plain http')
  const page = await d.app.inject({ url: `/dashboard/${uuid}`, cookies: { addonkit_session: cookie!.value } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<div id="heroku-header" class="heroku-header"><a href="https:\/\/dashboard\.heroku\.com\/apps\/myapp\/resources">← Heroku: <strong>myapp<\/strong><\/a><\/div>/)

  const junk = await postSso(d.app, ssoForm(d, await createInstance(d), { kind: 'legacy', extra: { 'nav-data': 'not base64url; path=/evil' } }))
  t.equal(junk.res.statusCode, 303, 'a junk nav-data does not stop the sign-in')
  t.notOk(junk.res.cookies.find((c) => c.name === 'heroku-nav-data'), 'but it is not kept')
})

t.test('legacy GET /heroku/resources/:id?token=…&timestamp=… → 303, and only once', async (t) => {
  const uuid = await createInstance(d)
  const f = ssoForm(d, uuid, { kind: 'legacy', extra: { issue_no: '7' } })
  const url = `/heroku/resources/${uuid}?${new URLSearchParams({ token: f.token!, timestamp: f.timestamp!, email: f.email!, app: 'my-app', issue_no: '7' })}`
  const res = await d.app.inject({ url })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/dashboard/${uuid}?issue_no=7`)
  t.ok(res.cookies.find((c) => c.name === 'addonkit_session'))
  t.equal(res.headers['referrer-policy'], 'no-referrer')
  const again = await d.app.inject({ url })
  t.equal(again.statusCode, 403)
  t.match(again.body, /already been used/)
})

t.test('provisioning instances can be opened (async provisioning shows progress)', async (t) => {
  const uuid = await createInstance(d, { state: 'provisioning' })
  t.equal((await postSso(d.app, ssoForm(d, uuid))).res.statusCode, 303)
})

const refusals: Array<[string, (uuid: string) => Record<string, string>, RegExp]> = [
  ['forged token (wrong salt)', (uuid) => ssoForm(d, uuid, { salt: 'not-the-salt-at-all' }), /could not be verified/],
  ['forged email under a user-scoped token', (uuid) => { const f = ssoForm(d, uuid); delete f.resource_token; return { ...f, email: 'evil@example.com' } }, /could not be verified/],
  ['stale timestamp (6 minutes)', (uuid) => ssoForm(d, uuid, { age: 360 }), /expired/],
  ['future timestamp (+2 minutes)', (uuid) => ssoForm(d, uuid, { age: -120 }), /future/],
  ['no token at all', (uuid) => ({ resource_id: uuid, timestamp: String(Math.floor(Date.now() / 1000)) }), /incomplete/],
  ['repeated fields', (uuid) => ({ ...ssoForm(d, uuid) }), /malformed/]
]
for (const [name, form, reason] of refusals) {
  t.test(`${name} → 403 HTML page`, async (t) => {
    const uuid = await createInstance(d)
    const fields = form(uuid)
    const payload = name === 'repeated fields' ? `${new URLSearchParams(fields)}&timestamp=1` : new URLSearchParams(fields).toString()
    const res = await d.app.inject({ method: 'POST', url: '/sso/login', headers: FORM, payload })
    t.equal(res.statusCode, 403)
    t.match(res.headers['content-type'], /^text\/html/)
    t.match(res.body, reason)
    t.match(res.body, /data-error-code="DASH_SSO_REFUSED"/)
    t.match(res.body, /heroku addons:open addonkit --app (my-app|YOUR-APP)/, 'says how to open the dashboard again')
    t.match(res.body, /Resources<\/strong> tab/)
    t.notMatch(res.body, /at .*\.ts:\d+|Error:|stack/i, 'no stack trace')
    t.notOk(res.cookies.find((c) => c.name === 'addonkit_session'), 'no session')
  })
}

t.test('replay of the exact same signed request → 403', async (t) => {
  const uuid = await createInstance(d)
  const form = ssoForm(d, uuid)
  t.equal((await postSso(d.app, form)).res.statusCode, 303)
  const replay = await postSso(d.app, form)
  t.equal(replay.res.statusCode, 403)
  t.match(replay.res.body, /already been used/)
  // Stripping one token (to present the other alone) is still a replay.
  const { user_scoped_resource_token: _u, ...resourceOnly } = form
  t.equal((await postSso(d.app, resourceOnly)).res.statusCode, 403)
})

t.test('a user-scoped form without a resource_token claims no resource-level key: a resource_token form of the same add-on and second signs in', async (t) => {
  const uuid = await createInstance(d)
  const { resource_token: _r, ...userOnly } = ssoForm(d, uuid)
  const ts = userOnly.timestamp!
  const resourceOnly = { resource_id: uuid, timestamp: ts, resource_token: resourceToken(uuid, d.config.ssoSalt, ts), email: 'teammate@example.com', app: 'my-app' }
  t.equal((await postSso(d.app, userOnly)).res.statusCode, 303, 'the user-scoped form')
  t.equal((await postSso(d.app, resourceOnly)).res.statusCode, 303, 'the resource_token form, same add-on, same second')
  t.equal((await postSso(d.app, userOnly)).res.statusCode, 403, 'each is still used once')
  t.equal((await postSso(d.app, resourceOnly)).res.statusCode, 403)
})

t.test('a form that carried a legacy token beside the used one cannot be replayed with that token alone', async (t) => {
  const uuid = await createInstance(d)
  const form = ssoForm(d, uuid)
  const { user_scoped_resource_token: _u, resource_token: _r, ...rest } = form
  const legacyOnly = { ...rest, id: uuid, token: legacyToken(uuid, d.config.ssoSalt, form.timestamp!) }
  t.equal((await postSso(d.app, { ...form, id: uuid, token: legacyOnly.token })).res.statusCode, 303)
  t.equal((await postSso(d.app, legacyOnly)).res.statusCode, 403, 'the legacy token alone is a replay')
})

t.test('two users opening the same add-on in the same second both get in; each request once', async (t) => {
  const uuid = await createInstance(d)
  const first = ssoForm(d, uuid)
  const second = ssoForm(d, uuid, { user: { user_id: '0b9a7c52-1b1e-4e4e-9d3a-6f1f0c2a9e11', email: 'teammate@example.com' } })
  t.equal(first.timestamp, second.timestamp)
  t.equal((await postSso(d.app, first)).res.statusCode, 303)
  t.equal((await postSso(d.app, second)).res.statusCode, 303)
  t.equal((await postSso(d.app, second)).res.statusCode, 403)
  const { user_scoped_resource_token: _u, ...stripped } = second
  t.equal((await postSso(d.app, stripped)).res.statusCode, 403, 'the resource token alone is a replay too')
})

t.test('a replay is refused by another dashboard process too (nonces are in PostgreSQL)', async (t) => {
  const uuid = await createInstance(d)
  const form = ssoForm(d, uuid)
  t.equal((await postSso(d.app, form)).res.statusCode, 303)
  const { buildDashboard } = await import('./helper.js')
  const other = await buildDashboard(t, d)
  t.equal((await postSso(other.app, form)).res.statusCode, 403)
})

t.test('the same signed request posted at once to two dashboard processes signs in exactly once', async (t) => {
  const uuid = await createInstance(d)
  const form = ssoForm(d, uuid)
  const { buildDashboard } = await import('./helper.js')
  const other = await buildDashboard(t, d)
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => postSso(i % 2 ? other.app : d.app, form)))
  t.equal(results.filter((r) => r.res.statusCode === 303).length, 1, 'one sign-in')
  t.equal(results.filter((r) => r.res.statusCode === 403 && /already been used/.test(r.res.body)).length, 11, 'every other one a replay')
  t.equal((await d.db.pool.query('SELECT 1 FROM dashboard_sessions WHERE instance_uuid = $1', [uuid])).rowCount, 1, 'one session')
})

t.test('sign-ins at once (committed together) each get their own outcome', async (t) => {
  // Users opening the same add-on in the same second share its resource-level key; among
  // them a request posted twice, an add-on that is gone and one that does not exist.
  const uuid = await createInstance(d)
  const gone = await createInstance(d, { state: 'deprovisioned' })
  const users = Array.from({ length: 20 }, (_, i) => ssoForm(d, uuid, { user: { user_id: randomUUID(), email: `user${i}@example.com` } }))
  const forms = [...users, users[3]!, ssoForm(d, gone), ssoForm(d, randomUUID())]
  const results = await Promise.all(forms.map((f) => postSso(d.app, f)))
  const status = results.map((r) => r.res.statusCode)
  t.equal(status.slice(0, 21).filter((s) => s === 303).length, 20, 'every user signs in once')
  t.equal([status[3], status[20]].filter((s) => s === 303).length, 1, 'the request posted twice: one 303')
  t.match([results[3]!, results[20]!].find((r) => r.res.statusCode === 403)!.res.body, /already been used/)
  t.match(results[21]!.res.body, /no longer available/)
  t.match(results[22]!.res.body, /does not exist here/)
  t.equal((await d.db.pool.query('SELECT 1 FROM dashboard_sessions WHERE instance_uuid = $1', [uuid])).rowCount, 20, 'one session each')
  const cookies = results.filter((r) => r.res.statusCode === 303).map((r) => r.cookie!.value)
  t.equal(new Set(cookies).size, 20, 'each its own session id')
  const page = await d.app.inject({ url: `/dashboard/${uuid}`, cookies: { addonkit_session: cookies[7]! } })
  t.equal(page.statusCode, 200, 'a session of the batch opens the dashboard')
})

t.test('a sign-in that PostgreSQL ends as a deadlock runs again', async (t) => {
  // Another replica's transaction (here a raw one) holds the resource-level key this sign-in
  // claims too, then waits for the sign-in's user key: a cycle. PostgreSQL ends the sign-in's
  // statement (it waited first; the other side's deadlock_timeout is long), which runs
  // again and, once the other transaction rolls back, signs in.
  const uuid = await createInstance(d)
  const form = ssoForm(d, uuid)
  const keys = replayKeys({ ok: true, resourceId: uuid, timestamp: form.timestamp!, otherTokens: [{ method: 'resource_token', resourceId: uuid }], method: 'user_scoped_resource_token', userId: form.user_id!, email: form.email! })
  const other = await d.db.pool.connect()
  try {
    await other.query("BEGIN; SET LOCAL deadlock_timeout = '20s'")
    await other.query("INSERT INTO dashboard_sso_nonces (hash, expires_at) VALUES ($1, now() + interval '10 minutes')", [sha256Hex(keys.shadow[0]!)])
    const signIn = postSso(d.app, form)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await other.query("INSERT INTO dashboard_sso_nonces (hash, expires_at) VALUES ($1, now() + interval '10 minutes')", [sha256Hex(keys.required[0]!)])
    await other.query('ROLLBACK')
    t.equal((await signIn).res.statusCode, 303, 'signed in after the retry')
  } finally { other.release() }
})

t.test('a refused sign-in (add-on gone or unknown) claims no once-only key and starts no session', async (t) => {
  const count = async () => Number((await d.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM dashboard_sso_nonces')).rows[0]!.n)
  const before = await count()
  const gone = await createInstance(d, { state: 'deprovisioned' })
  t.equal((await postSso(d.app, ssoForm(d, gone))).res.statusCode, 403)
  t.equal((await postSso(d.app, ssoForm(d, randomUUID()))).res.statusCode, 403)
  t.equal(await count(), before, 'no nonce claimed')
  t.equal((await d.db.pool.query('SELECT 1 FROM dashboard_sessions WHERE instance_uuid = $1', [gone])).rowCount, 0, 'no session')
})

t.test('unknown resource → 403', async (t) => {
  const res = (await postSso(d.app, ssoForm(d, randomUUID()))).res
  t.equal(res.statusCode, 403)
  t.match(res.body, /does not exist here/)
  const notUuid = (await postSso(d.app, ssoForm(d, 'not-a-uuid', { kind: 'legacy' }))).res
  t.equal(notUuid.statusCode, 403)
})

for (const state of ['deprovisioned', 'deprovisioning', 'failed'] as const) {
  t.test(`${state} resource → 403`, async (t) => {
    const uuid = await createInstance(d, { state })
    const res = (await postSso(d.app, ssoForm(d, uuid))).res
    t.equal(res.statusCode, 403)
    t.match(res.body, /no longer available/)
  })
}

t.test('extra fields and sso_url query params reach the landing page, escaped', async (t) => {
  const uuid = await createInstance(d)
  const fields = ssoForm(d, uuid, { extra: { issue_no: '42', note: '<script>alert(1)</script>' } })
  const res = await d.app.inject({ method: 'POST', url: '/sso/login?from=heroku', headers: FORM, payload: new URLSearchParams(fields).toString() })
  t.equal(res.statusCode, 303)
  const location = res.headers.location as string
  const q = new URL(location, 'http://x').searchParams
  t.equal(q.get('issue_no'), '42')
  t.equal(q.get('from'), 'heroku')
  t.notOk(q.has('resource_token') || q.has('timestamp') || q.has('email'), 'SSO fields are not passed on')
  const cookie = res.cookies.find((c) => c.name === 'addonkit_session')!
  const page = await d.app.inject({ url: location, cookies: { addonkit_session: cookie.value } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<dt>issue_no<\/dt><dd>42<\/dd>/)
  t.match(page.body, /<dt>from<\/dt><dd>heroku<\/dd>/)
  t.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  t.notMatch(page.body, /<script>alert/)
})

t.test('the SSO endpoint needs neither Basic auth nor a CSRF token, and logs no token', async (t) => {
  const uuid = await createInstance(d)
  const form = ssoForm(d, uuid)
  t.equal((await postSso(d.app, form)).res.statusCode, 303)
  t.notOk(d.logs.text.includes(form.user_scoped_resource_token!), 'token not logged')
  t.notOk(d.logs.text.includes(form.resource_token!), 'token not logged')
})

t.test('failed SSO attempts are limited per source address → 429 page; a signed request never is', async (t) => {
  const d = await startDashboard(t, { ssoFailureLimit: { max: 3, windowMs: 60_000 } })
  const uuid = await createInstance(d)
  const bad = () => ssoForm(d, uuid, { salt: 'wrong-salt-wrong-salt' })
  for (let i = 0; i < 3; i++) t.equal((await postSso(d.app, bad(), '10.0.0.1')).res.statusCode, 403)
  const limited = (await postSso(d.app, bad(), '10.0.0.1')).res
  t.equal(limited.statusCode, 429, 'a request that fails verification is refused with 429 while the address is over the limit')
  t.match(limited.headers['content-type'], /^text\/html/)
  t.match(limited.body, /Too many sign-in attempts/)
  t.match(limited.body, /data-error-code="DASH_SSO_RATE_LIMITED"/)
  t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60, 'Retry-After')
  t.equal((await postSso(d.app, ssoForm(d, uuid, { age: 360 }), '10.0.0.1')).res.statusCode, 429, 'a stale one too')
  t.equal((await postSso(d.app, { resource_id: uuid, timestamp: '1' }, '10.0.0.1')).res.statusCode, 429, 'and one without a token')

  const valid = ssoForm(d, uuid)
  const ok = await postSso(d.app, valid, '10.0.0.1')
  t.equal(ok.res.statusCode, 303, 'a correctly signed request from the same address signs in')
  t.equal(ok.res.headers.location, `/dashboard/${uuid}`)
  t.ok(ok.cookie)
  const replay = (await postSso(d.app, valid, '10.0.0.1')).res
  t.equal(replay.statusCode, 403, 'its replay goes through the normal checks: 403, not 429')
  t.match(replay.body, /already been used/)
  const unknown = (await postSso(d.app, ssoForm(d, randomUUID()), '10.0.0.1')).res
  t.equal(unknown.statusCode, 403, 'a signed request for an unknown add-on: 403')
  t.match(unknown.body, /does not exist here/)
  t.equal((await postSso(d.app, bad(), '10.0.0.1')).res.statusCode, 429, 'a further bad request is still limited')

  t.equal((await postSso(d.app, bad(), '10.0.0.2')).res.statusCode, 403, 'another address is not affected')
  // Neither successful nor signed-but-refused sign-ins count.
  for (let i = 0; i < 5; i++) t.equal((await postSso(d.app, ssoForm(d, await createInstance(d)), '10.0.0.3')).res.statusCode, 303)
  for (let i = 0; i < 5; i++) t.equal((await postSso(d.app, ssoForm(d, randomUUID()), '10.0.0.3')).res.statusCode, 403)
  t.equal((await postSso(d.app, bad(), '10.0.0.3')).res.statusCode, 403, 'no failure counted for 10.0.0.3 yet')
  const metrics = await d.app.inject({ url: '/metrics' })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.body, /addonkit_sso_logins_total\{result="rate_limited",service="dashboard"\} 4\n/, 'limited requests counted as rate_limited')
})

t.test('the limit window passes', async (t) => {
  const d = await startDashboard(t, { ssoFailureLimit: { max: 2, windowMs: 800 } })
  const uuid = await createInstance(d)
  for (let i = 0; i < 2; i++) t.equal((await postSso(d.app, ssoForm(d, uuid, { age: 400 }), '10.0.0.9')).res.statusCode, 403)
  t.equal((await postSso(d.app, ssoForm(d, uuid, { age: 400 }), '10.0.0.9')).res.statusCode, 429)
  await new Promise((resolve) => setTimeout(resolve, 900))
  t.equal((await postSso(d.app, ssoForm(d, uuid, { age: 400 }), '10.0.0.9')).res.statusCode, 403, 'refused, no longer limited')
})

t.test('by default a conformance suite\'s many bad requests from one address get 403, and its valid ones still sign in', async (t) => {
  t.same(DASHBOARD_DEFAULTS.ssoFailureLimit, { max: 300, windowMs: 60_000 }, '300 failures a minute per address')
  const d = await startDashboard(t)
  const uuid = await createInstance(d)
  const statuses = new Map<number, number>()
  for (let i = 0; i < 300; i++) {
    const form = i % 2 ? ssoForm(d, uuid, { salt: 'not-the-salt-at-all' }) : ssoForm(d, uuid, { age: 360 })
    const s = (await postSso(d.app, form)).res.statusCode
    statuses.set(s, (statuses.get(s) ?? 0) + 1)
  }
  t.same([...statuses], [[403, 300]], '300 failures from 127.0.0.1: each a 403')
  t.equal((await postSso(d.app, ssoForm(d, uuid))).res.statusCode, 303, 'a valid request still signs in')
  t.equal((await postSso(d.app, ssoForm(d, uuid, { salt: 'not-the-salt-at-all' }))).res.statusCode, 429, 'the 301st failure is limited')
})

t.test('an https DASHBOARD_PUBLIC_URL does not make a cookie set over plain http Secure', async (t) => {
  // Heroku's kensa posts the form to the test URL over http: a Secure cookie would be dropped.
  const d = await startDashboard(t, {}, { DASHBOARD_PUBLIC_URL: 'https://dash.example.com' })
  const uuid = await createInstance(d)
  const { res, cookie } = await postSso(d.app, ssoForm(d, uuid))
  t.equal(res.statusCode, 303)
  t.notOk(cookie!.secure, 'not Secure')
  t.match(res.headers['set-cookie'], /HttpOnly/)
  t.match(res.headers['set-cookie'], /SameSite=Lax/)
  t.notMatch(res.headers['set-cookie'], /Secure/)
  const page = await d.app.inject({ url: res.headers.location as string, cookies: { addonkit_session: cookie!.value } })
  t.equal(page.statusCode, 200, 'the cookie signs the browser in')
})
