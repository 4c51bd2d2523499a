// The session cookie is Secure exactly when the request came over https: X-Forwarded-Proto
// counts only from a proxy TRUST_PROXY names, and an https DASHBOARD_PUBLIC_URL counts not
// at all (Heroku's kensa posts the SSO form to the test URL over plain http, and a browser
// drops a Secure cookie set over http). A real TLS socket is left to Fastify's own tests.
import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { loadDashboardConfig } from '../src/config.js'
import { FORM, buildDashboard, createInstance, csrfOf, formBody, ssoForm, startBase, type Dash } from './helper.js'

// Every dashboard here announces an https public URL: only the request may decide.
const base = await startBase(t, { DASHBOARD_PUBLIC_URL: 'https://dash.example.com' })

/** A dashboard on the shared database whose TRUST_PROXY is `trust` (parsed as at start). */
async function dashboard (trust: string): Promise<Dash> {
  return buildDashboard(t, base, {}, loadDashboardConfig({ ...base.env, TRUST_PROXY: trust }))
}

const dashes = {
  nobody: await dashboard(''),
  listed: await dashboard('127.0.0.1,10.0.0.0/8'),
  oneHop: await dashboard('1')
}
const apps = { nobody: dashes.nobody.app, listed: dashes.listed.app, oneHop: dashes.oneHop.app }

interface Via { remoteAddress: string, proto?: string }

function headersVia (via: Via, more: Record<string, string> = {}): Record<string, string> {
  return via.proto ? { ...more, 'x-forwarded-proto': via.proto } : more
}

/** The raw Set-Cookie lines of a response. */
function setCookies (res: LightMyRequestResponse): string[] {
  const h = res.headers['set-cookie']
  return h === undefined ? [] : Array.isArray(h) ? h : [String(h)]
}

/** Signs in with the v3 form or the legacy GET; returns the session cookie's Set-Cookie line. */
async function signIn (app: FastifyInstance, via: Via, kind: 'post' | 'legacy-get' = 'post'): Promise<{ uuid: string, res: LightMyRequestResponse, line: string }> {
  const uuid = await createInstance(base)
  let res: LightMyRequestResponse
  if (kind === 'post') {
    res = await app.inject({ method: 'POST', url: '/sso/login', headers: headersVia(via, FORM), payload: formBody(ssoForm(base, uuid)), remoteAddress: via.remoteAddress })
  } else {
    const f = ssoForm(base, uuid, { kind: 'legacy' })
    const query = new URLSearchParams({ token: f.token!, timestamp: f.timestamp!, email: f.email!, app: 'my-app' })
    res = await app.inject({ url: `/heroku/resources/${uuid}?${query}`, headers: headersVia(via), remoteAddress: via.remoteAddress })
  }
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 200)}`)
  const lines = setCookies(res)
  if (lines.length !== 1 || !lines[0]!.startsWith('addonkit_session=')) throw new Error(`expected one session cookie, got ${JSON.stringify(lines)}`)
  return { uuid, res, line: lines[0]! }
}

/** The attributes the cookie keeps whatever the protocol. */
function assertUnchanged (t: Test, line: string, uuid: string): void {
  t.match(line, /; HttpOnly(;|$)/, 'HttpOnly')
  t.match(line, /; SameSite=Lax(;|$)/, 'SameSite=Lax')
  t.match(line, new RegExp(`; Path=/dashboard/${uuid}(;|$)`), 'path of the add-on')
  t.match(line, /; Max-Age=43200(;|$)/, 'lives the absolute session lifetime')
}

const isSecure = (line: string) => /; Secure(;|$)/i.test(line)

const cases: Array<[string, keyof typeof apps, Via, boolean]> = [
  ['plain http, no TRUST_PROXY', 'nobody', { remoteAddress: '127.0.0.1' }, false],
  ['X-Forwarded-Proto: https while TRUST_PROXY trusts nobody', 'nobody', { remoteAddress: '127.0.0.1', proto: 'https' }, false],
  ['plain http from a listed proxy', 'listed', { remoteAddress: '10.1.2.3' }, false],
  ['X-Forwarded-Proto: http from a listed proxy', 'listed', { remoteAddress: '10.1.2.3', proto: 'http' }, false],
  ['X-Forwarded-Proto: https from an address TRUST_PROXY does not list', 'listed', { remoteAddress: '192.0.2.9', proto: 'https' }, false],
  ['X-Forwarded-Proto: https from a listed address', 'listed', { remoteAddress: '127.0.0.1', proto: 'https' }, true],
  ['X-Forwarded-Proto: https from a listed CIDR range', 'listed', { remoteAddress: '10.1.2.3', proto: 'https' }, true],
  ['plain http with a hop count', 'oneHop', { remoteAddress: '203.0.113.5' }, false],
  ['X-Forwarded-Proto: https with a hop count (any nearest peer is the proxy)', 'oneHop', { remoteAddress: '203.0.113.5', proto: 'https' }, true]
]

t.test('the public URL is https in every case below', async (t) => {
  t.equal(base.config.dashboardPublicUrl, 'https://dash.example.com')
})

for (const [name, app, via, secure] of cases) {
  for (const kind of ['post', 'legacy-get'] as const) {
    t.test(`${kind}: ${name} → ${secure ? 'Secure' : 'not Secure'}`, async (t) => {
      const { uuid, line } = await signIn(apps[app], via, kind)
      t.equal(isSecure(line), secure, line)
      assertUnchanged(t, line, uuid)
    })
  }
}

t.test('the parsed cookie agrees with the header line', async (t) => {
  const https = await signIn(apps.listed, { remoteAddress: '10.0.0.1', proto: 'https' })
  t.equal(https.res.cookies.find((c) => c.name === 'addonkit_session')!.secure, true)
  const http = await signIn(apps.listed, { remoteAddress: '10.0.0.1' })
  t.notOk(http.res.cookies.find((c) => c.name === 'addonkit_session')!.secure)
})

t.test('logout clears the cookie with Secure over https and without it over http', async (t) => {
  for (const [via, secure] of [[{ remoteAddress: '10.0.0.1', proto: 'https' }, true], [{ remoteAddress: '10.0.0.1' }, false]] as Array<[Via, boolean]>) {
    const { uuid, line } = await signIn(apps.listed, via)
    const cookies = { addonkit_session: line.slice('addonkit_session='.length).split(';')[0]! }
    const page = await apps.listed.inject({ url: `/dashboard/${uuid}`, cookies, headers: headersVia(via), remoteAddress: via.remoteAddress })
    t.equal(page.statusCode, 200)
    t.same(setCookies(page), [], 'a page sets no cookie')
    const out = await apps.listed.inject({ method: 'POST', url: `/dashboard/${uuid}/logout`, cookies, headers: headersVia(via, FORM), payload: `_csrf=${encodeURIComponent(csrfOf(page.body))}`, remoteAddress: via.remoteAddress })
    t.equal(out.statusCode, 200)
    const lines = setCookies(out)
    t.equal(lines.length, 1, 'one cookie cleared')
    const cleared = lines[0]!
    t.match(cleared, /^addonkit_session=;/, 'emptied')
    t.match(cleared, /; Max-Age=0(;|$)/, 'expired now')
    t.equal(isSecure(cleared), secure, cleared)
    t.match(cleared, /; HttpOnly(;|$)/)
    t.match(cleared, /; SameSite=Lax(;|$)/)
    t.match(cleared, new RegExp(`; Path=/dashboard/${uuid}(;|$)`), 'the path of the cookie it replaces')
  }
})

t.test('a whole visit over https: every cookie the dashboard sets is Secure', async (t) => {
  const via = { remoteAddress: '127.0.0.1', proto: 'https' }
  const { uuid, line } = await signIn(apps.listed, via)
  const seen = [line]
  const cookies = { addonkit_session: line.slice('addonkit_session='.length).split(';')[0]! }
  // A refused sign-in, the home page, every dashboard page and a missing one.
  const refused = await apps.listed.inject({ method: 'POST', url: '/sso/login', headers: headersVia(via, FORM), payload: formBody(ssoForm(base, uuid, { salt: 'not-the-salt-at-all' })), remoteAddress: via.remoteAddress })
  t.equal(refused.statusCode, 403)
  seen.push(...setCookies(refused))
  for (const url of ['/', `/dashboard/${uuid}`, `/dashboard/${uuid}/logs`, `/dashboard/${uuid}/metrics`, `/dashboard/${uuid}/credentials`, `/dashboard/${uuid}/activity`, `/dashboard/${uuid}/no-such-page`]) {
    const res = await apps.listed.inject({ url, cookies, headers: headersVia(via), remoteAddress: via.remoteAddress })
    t.ok(res.statusCode === 200 || res.statusCode === 404, `${url} → ${res.statusCode}`)
    seen.push(...setCookies(res))
  }
  const page = await apps.listed.inject({ url: `/dashboard/${uuid}`, cookies, headers: headersVia(via), remoteAddress: via.remoteAddress })
  const out = await apps.listed.inject({ method: 'POST', url: `/dashboard/${uuid}/logout`, cookies, headers: headersVia(via, FORM), payload: `_csrf=${encodeURIComponent(csrfOf(page.body))}`, remoteAddress: via.remoteAddress })
  t.equal(out.statusCode, 200)
  seen.push(...setCookies(out))
  t.equal(seen.length, 2, 'set at sign-in, cleared at logout')
  for (const c of seen) t.ok(isSecure(c), c)
})

t.test('X-Forwarded-For moves the SSO failure limit\'s address only from a trusted proxy', async (t) => {
  // The limiter keys on request.ip, which follows the same trust as the protocol.
  const refusedFrom = async (d: Dash, remoteAddress: string): Promise<unknown> => {
    const uuid = await createInstance(base)
    const res = await d.app.inject({ method: 'POST', url: '/sso/login', headers: { ...FORM, 'x-forwarded-for': '198.51.100.7' }, payload: formBody(ssoForm(base, uuid, { salt: 'not-the-salt-at-all' })), remoteAddress })
    t.equal(res.statusCode, 403)
    const entry = d.logs.lines.map((l) => JSON.parse(l) as { sso?: string, resourceId?: string, ip?: string }).find((e) => e.sso === 'bad-token' && e.resourceId === uuid)
    return entry?.ip
  }
  t.equal(await refusedFrom(dashes.listed, '10.0.0.1'), '198.51.100.7', 'the client behind a listed proxy')
  t.equal(await refusedFrom(dashes.listed, '192.0.2.9'), '192.0.2.9', 'an unlisted peer is the client itself')
  t.equal(await refusedFrom(dashes.nobody, '127.0.0.1'), '127.0.0.1', 'nobody trusted by default')
})
