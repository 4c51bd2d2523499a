import t from 'tap'
import { randomUUID } from 'node:crypto'
import { SECRET, form, rawRequest, startSim } from './helper.js'

t.test('a grant code exchanges once, bound to its add-on', async (t) => {
  const sim = await startSim(t)
  const uuid = randomUUID()
  sim.registerAddon(uuid)
  const grant = sim.issueGrant(uuid)
  t.equal(grant.type, 'authorization_code')
  // ISO 8601 to the second with a colon-less offset, as in Heroku's provision body (§4.1).
  t.match(grant.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/)
  t.ok(Date.parse(grant.expires_at) > Date.now() + 290_000)
  const first = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: grant.code, client_secret: SECRET }))
  t.equal(first.status, 200)
  t.match(first.body, { access_token: String, refresh_token: String, expires_in: 28800, token_type: 'Bearer' })
  const again = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: grant.code, client_secret: SECRET }))
  t.equal(again.status, 400)
  t.equal(again.body.id, 'invalid_grant')
  t.match(again.body.message, /already used/)
  const unknown = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: randomUUID(), client_secret: SECRET }))
  t.same([unknown.status, unknown.body.id], [400, 'invalid_grant'])
  t.same(sim.calls.map((c) => c.status), [200, 400, 400])
  t.same(sim.calls[0]!.body, { grant_type: 'authorization_code', code: grant.code, client_secret: SECRET })
})

t.test('a wrong client secret is 401 and does not use up the grant', async (t) => {
  const sim = await startSim(t)
  const grant = sim.issueGrant(randomUUID())
  const wrong = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: grant.code, client_secret: 'nope' }))
  t.same([wrong.status, wrong.body.id], [401, 'unauthorized'])
  const missing = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: grant.code }))
  t.equal(missing.status, 401)
  // identity also takes the secret as the Basic password.
  const basic = await rawRequest(`${sim.idUrl}/oauth/token`, {
    ...form({ grant_type: 'authorization_code', code: grant.code }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`:${SECRET}`).toString('base64')}` }
  })
  t.equal(basic.status, 200)
})

t.test('an expired grant is 400 invalid_grant', async (t) => {
  const sim = await startSim(t)
  const grant = sim.issueGrant(randomUUID(), { expired: true })
  t.match(grant.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/)
  t.ok(Date.parse(grant.expires_at) < Date.now())
  const res = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: grant.code, client_secret: SECRET }))
  t.same([res.status, res.body.id], [400, 'invalid_grant'])
  t.match(res.body.message, /expired/)
})

t.test('grants expire after grantTtlSeconds', async (t) => {
  const sim = await startSim(t, { grantTtlSeconds: 0.05 })
  const grant = sim.issueGrant(randomUUID())
  await new Promise((resolve) => setTimeout(resolve, 80))
  const res = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: grant.code, client_secret: SECRET }))
  t.equal(res.body.id, 'invalid_grant')
})

t.test('refresh_token returns a new access token for the same add-on', async (t) => {
  const sim = await startSim(t)
  const grant = sim.issueGrant(randomUUID())
  const first = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: grant.code, client_secret: SECRET }))
  const refreshed = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_secret: SECRET }))
  t.equal(refreshed.status, 200)
  t.not(refreshed.body.access_token, first.body.access_token)
  t.equal(refreshed.body.refresh_token, first.body.refresh_token)
  const bad = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: 'nope', client_secret: SECRET }))
  t.same([bad.status, bad.body.id], [400, 'invalid_grant'])
})

t.test('the token endpoint wants a form and a known grant type, and lives under idUrl only', async (t) => {
  const sim = await startSim(t)
  const json = await rawRequest(`${sim.idUrl}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ client_secret: SECRET }) })
  t.equal(json.status, 400)
  // identity defaults a missing grant_type to authorization_code (§6.1).
  const noType = await rawRequest(`${sim.idUrl}/oauth/token`, form({ code: 'x', client_secret: SECRET }))
  t.same([noType.status, noType.body.id], [400, 'invalid_grant'], 'no grant_type: read as authorization_code, the unknown code is invalid_grant')
  const noTypeNoCode = await rawRequest(`${sim.idUrl}/oauth/token`, form({ client_secret: SECRET }))
  t.same([noTypeNoCode.status, noTypeNoCode.body.id], [400, 'invalid_request'], 'no grant_type and no code: the code is missing')
  const grant = sim.issueGrant(randomUUID())
  const defaulted = await rawRequest(`${sim.idUrl}/oauth/token`, form({ code: grant.code, client_secret: SECRET }))
  t.equal(defaulted.status, 200, 'a grant code without grant_type is exchanged')
  t.match(defaulted.body, { access_token: String, refresh_token: String, token_type: 'Bearer' })
  for (const other of ['password', 'client_credentials', '']) {
    const res = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: other, code: 'x', client_secret: SECRET }))
    t.same([res.status, res.body.id], [400, 'unsupported_grant_type'], `grant_type=${other}`)
  }
  const wrongHost = await rawRequest(`${sim.apiUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: 'x', client_secret: SECRET }))
  t.equal(wrongHost.status, 404)
  t.equal(sim.idUrl, `${sim.url}/id`)
  t.equal(sim.apiUrl, `${sim.url}/api`)
})
