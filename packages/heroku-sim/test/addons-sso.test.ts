// The SSO host (protocol §10): the token formulas against the reference's test vectors, the
// form Heroku posts, and the page `heroku addons:open` opens, which posts it.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { legacyToken, resourceToken, userScopedResourceToken } from '../src/index.js'
import { manifest, rawRequest, startSim } from './helper.js'

t.test('the token formulas reproduce the §10.4 test vectors', async (t) => {
  t.equal(legacyToken('123', '2f97bfa52ca102f8874716e2eb1d3b4920ad0be4', '1267597772'), 'bb466eb1d6bc345d11072c3cd25c311f21be130d', 'Heroku\'s v1 example')
  t.equal(legacyToken('1', 'SSO_SALT', '1262304000'), 'b6010f6fbb850887a396c2bc0ab23974003008f6', 'kensa\'s vector')
  t.equal(resourceToken('01234567-89ab-cdef-0123-456789abcdef', '7CwqmJLEjv8YZTXK', '1267597772'), 'fcafa20c7ac7675276ea92ed04bc929674b711a5')
  t.equal(userScopedResourceToken('01234567-89ab-cdef-0123-456789abcdef', '7CwqmJLEjv8YZTXK', '1267597772', 'fedcba98-7654-3210-fedc-ba9876543210', 'user@example.com'),
    '286fdd23ff5fd473f16b18658595fdaf5041926c8aeca2c645a2507128060040')
})

t.test('ssoRequest: both tokens over the add-on owner, custom fields kept, signed fields not replaceable', async (t) => {
  const sim = await startSim(t)
  const uuid = randomUUID()
  const addon = sim.registerAddon(uuid, { plan: 'hobby' })
  const sso = sim.ssoRequest(uuid, { timestamp: 1267597772, extra: { issue_no: '42', resource_id: 'forged' } })
  t.equal(sso.method, 'post')
  t.equal(sso.action, manifest.api.test.sso_url)
  t.same(sso.params, {
    issue_no: '42',
    resource_id: uuid,
    timestamp: '1267597772',
    resource_token: resourceToken(uuid, manifest.api.sso_salt, '1267597772'),
    user_scoped_resource_token: userScopedResourceToken(uuid, manifest.api.sso_salt, '1267597772', addon.owner.id, addon.owner.email),
    user_id: addon.owner.id,
    email: addon.owner.email,
    app: addon.app.name,
    context_app: addon.app.name
  })
  t.throws(() => sim.ssoRequest(randomUUID()), { code: 'SIM_UNKNOWN_ADDON' })
})

t.test('the SSO page posts a fresh form to sso_url with the query\'s custom parameters', async (t) => {
  const sim = await startSim(t)
  const uuid = randomUUID()
  const addon = sim.registerAddon(uuid, { plan: 'hobby' })
  addon.state = 'provisioned'
  t.equal(sim.webUrl(uuid), `${sim.url}/addons-sso/apps/${addon.app.id}/addons/${uuid}`)
  const res = await rawRequest(`${sim.webUrl(uuid)}?issue_no=42`)
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  const html = String(res.body)
  t.match(html, `<form id="sso" method="post" action="${manifest.api.test.sso_url}">`)
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]))
  t.equal(fields.resource_id, uuid)
  t.equal(fields.issue_no, '42')
  t.equal(fields.email, addon.owner.email)
  const now = Math.floor(Date.now() / 1000)
  t.ok(Math.abs(Number(fields.timestamp) - now) <= 2, 'a fresh timestamp')
  t.equal(fields.user_scoped_resource_token, userScopedResourceToken(uuid, manifest.api.sso_salt, fields.timestamp!, addon.owner.id, addon.owner.email))
  t.match(html, /document\.getElementById\('sso'\)\.submit\(\)/, 'it posts itself')

  const byName = await rawRequest(`${sim.url}/addons-sso/apps/${addon.app.name}/addons/${uuid}`)
  t.equal(byName.status, 200, 'the app may be named by its name')
  t.equal((await rawRequest(`${sim.url}/addons-sso/apps/another-app/addons/${uuid}`)).status, 404, 'another app\'s add-on')
  t.equal((await rawRequest(`${sim.url}/addons-sso/apps/${addon.app.id}/addons/${randomUUID()}`)).status, 404, 'an unknown add-on')
  const hostile = await rawRequest(`${sim.webUrl(uuid)}?${new URLSearchParams({ '"><script>': '"><b>x</b>' })}`)
  t.notMatch(String(hostile.body), /<script>"|<b>x<\/b>/, 'custom parameters are escaped')
  addon.state = 'deprovisioned'
  t.equal((await rawRequest(sim.webUrl(uuid))).status, 404, 'a deprovisioned add-on has no page')
})

t.test('the Platform API\'s web_url is the SSO page', async (t) => {
  const sim = await startSim(t)
  const uuid = randomUUID()
  sim.registerAddon(uuid)
  const grant = sim.issueGrant(uuid)
  const tok = await rawRequest(`${sim.idUrl}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code: grant.code, client_secret: 'client-secret-1234' }).toString() })
  const res = await rawRequest(`${sim.apiUrl}/addons/${uuid}`, { headers: { Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${tok.body.access_token}` } })
  t.equal(res.status, 200)
  t.equal(res.body.web_url, sim.webUrl(uuid))
})
