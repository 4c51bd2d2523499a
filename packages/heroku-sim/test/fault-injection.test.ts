import t from 'tap'
import { createPlatformClient } from '@addonkit/platform-api'
import { SECRET, addonWithToken, bearer, rawRequest, startSim } from './helper.js'

t.test('failNext answers the next matching requests with an error, then recovers', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  sim.failNext(/\/config$/, 2)
  sim.failNext(/\/actions\/provision$/, 1, 429)
  const url = `${sim.apiUrl}/addons/${uuid}`
  t.equal((await rawRequest(url, { headers: bearer(accessToken) })).status, 200, 'other paths unaffected')
  const first = await rawRequest(`${url}/config`, { headers: bearer(accessToken) })
  t.same([first.status, first.body.id], [503, 'service_unavailable'])
  t.equal((await rawRequest(`${url}/config`, { headers: bearer(accessToken) })).status, 503)
  t.equal((await rawRequest(`${url}/config`, { headers: bearer(accessToken) })).status, 200)
  t.equal((await rawRequest(`${url}/actions/provision`, { method: 'POST', headers: bearer(accessToken) })).status, 429)
  t.equal(sim.addons.get(uuid)!.state, 'provisioning', 'an injected failure touches no state')
})

t.test('the platform client rides through injected failures', async (t) => {
  const sim = await startSim(t)
  const { uuid } = await addonWithToken(sim)
  const client = createPlatformClient({ apiUrl: sim.apiUrl, idUrl: sim.idUrl, clientSecret: SECRET, baseDelayMs: 1 })
  sim.failNext(/\/oauth\/token$/, 1, 502)
  const tokens = await client.exchangeGrant(sim.issueGrant(uuid).code)
  sim.failNext(/\/actions\/provision$/, 3)
  t.match(await client.markProvisioned(uuid, tokens.accessToken), { state: 'provisioned' })
  t.same(sim.calls.filter((c) => c.path.endsWith('/actions/provision')).map((c) => c.status), [503, 503, 503, 200])
})

t.test('hold parks the next matching request until released', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const held = sim.hold(/\/actions\/provision$/)
  const pending = rawRequest(`${sim.apiUrl}/addons/${uuid}/actions/provision`, { method: 'POST', headers: bearer(accessToken) })
  await held.arrived
  const call = sim.calls.at(-1)!
  t.equal(call.status, 0, 'recorded but not answered')
  t.equal(sim.addons.get(uuid)!.state, 'provisioning')
  // Other requests still flow while one is held.
  t.equal((await rawRequest(`${sim.apiUrl}/addons/${uuid}`, { headers: bearer(accessToken) })).status, 200)
  held.release()
  t.equal((await pending).status, 200)
  t.equal(call.status, 200)
  t.equal(sim.addons.get(uuid)!.state, 'provisioned')
  // A hold is used once.
  t.equal((await rawRequest(`${sim.apiUrl}/addons/${uuid}/actions/provision`, { method: 'POST', headers: bearer(accessToken) })).status, 200)
})

t.test('close lets held requests go', async (t) => {
  const sim = await startSim(t)
  const held = sim.hold(/^\/logs$/)
  const pending = rawRequest(`${sim.url}/logs`, { method: 'POST' }).catch((err: Error) => err)
  await held.arrived
  await sim.close()
  t.ok(await pending, 'the client saw an answer or a closed connection')
})
