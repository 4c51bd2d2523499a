import t from 'tap'
import { createPlatformClient } from '@addonkit/platform-api'
import { API_HEADERS, SECRET, addonWithToken, bearer, rawRequest, startSim } from './helper.js'

t.test('Accept must be exactly the v3 media type', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const url = `${sim.apiUrl}/addons/${uuid}`
  for (const accept of [undefined, 'application/json', 'application/vnd.heroku+json', 'application/vnd.heroku+json; version=2']) {
    const headers: Record<string, string> = { Authorization: `Bearer ${accessToken}` }
    if (accept !== undefined) headers.Accept = accept
    const res = await rawRequest(url, { headers })
    t.equal(res.status, 406, `Accept ${accept}`)
    t.equal(res.body.id, 'not_acceptable')
    t.match(res.body.message, /application\/vnd\.heroku\+json; version=3/)
  }
  const good = await rawRequest(url, { headers: bearer(accessToken) })
  t.equal(good.status, 200)
  t.match(good.body, { id: uuid, state: 'provisioning', plan: { name: 'acme-logs:hobby' }, config_vars: [] })
})

t.test('bearer tokens: missing or unknown is 401, another add-on\'s is 403', async (t) => {
  const sim = await startSim(t)
  const a = await addonWithToken(sim)
  const b = await addonWithToken(sim)
  const missing = await rawRequest(`${sim.apiUrl}/addons/${a.uuid}`, { headers: API_HEADERS })
  t.same([missing.status, missing.body.id], [401, 'unauthorized'])
  const unknown = await rawRequest(`${sim.apiUrl}/addons/${a.uuid}`, { headers: bearer('not-a-token') })
  t.same([unknown.status, unknown.body.id], [401, 'unauthorized'])
  const other = await rawRequest(`${sim.apiUrl}/addons/${a.uuid}/config`, { method: 'PATCH', headers: bearer(b.accessToken), body: JSON.stringify({ config: [] }) })
  t.same([other.status, other.body.id], [403, 'forbidden'])
})

t.test('PATCH config: shape, names from the manifest, string or null values', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const patch = (body: unknown): ReturnType<typeof rawRequest> =>
    rawRequest(`${sim.apiUrl}/addons/${uuid}/config`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify(body) })
  const outside = await patch({ config: [{ name: 'ACME_LOGS_SECRET', value: 'x' }] })
  t.same([outside.status, outside.body.id], [422, 'invalid_params'])
  t.match(outside.body.message, /ACME_LOGS_SECRET/)
  t.equal((await patch({ config: [{ name: 'ACME_LOGS_URL', value: 5 }] })).status, 422)
  t.equal((await patch({ config: { ACME_LOGS_URL: 'x' } })).status, 422)
  t.equal((await patch([{ name: 'ACME_LOGS_URL', value: 'x' }])).status, 422)
  t.same(sim.addons.get(uuid)!.config, {}, 'nothing applied from refused patches')
  const okRes = await patch({ config: [{ name: 'ACME_LOGS_URL', value: 'https://u:p@logs.example/1' }, { name: 'ACME_LOGS_TOKEN', value: 'tok' }] })
  t.equal(okRes.status, 200)
  t.same(okRes.body, [{ name: 'ACME_LOGS_URL', value: 'https://u:p@logs.example/1' }, { name: 'ACME_LOGS_TOKEN', value: 'tok' }])
  const removed = await patch({ config: [{ name: 'ACME_LOGS_TOKEN', value: null }] })
  t.same(removed.body, [{ name: 'ACME_LOGS_URL', value: 'https://u:p@logs.example/1' }])
  t.equal(sim.addons.get(uuid)!.releases, 0, 'no release while provisioning')
  const wrongType = await rawRequest(`${sim.apiUrl}/addons/${uuid}/config`, { method: 'PATCH', headers: { ...bearer(accessToken), 'Content-Type': 'text/plain' }, body: '{}' })
  t.equal(wrongType.status, 415)
  const notJson = await rawRequest(`${sim.apiUrl}/addons/${uuid}/config`, { method: 'PATCH', headers: bearer(accessToken), body: '{' })
  t.equal(notJson.status, 400)
})

t.test('actions: provision, releases after it, deprovision, then 422', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const provision = await rawRequest(`${sim.apiUrl}/addons/${uuid}/actions/provision`, { method: 'POST', headers: bearer(accessToken) })
  t.equal(provision.status, 200)
  t.equal(provision.body.state, 'provisioned')
  t.equal(sim.addons.get(uuid)!.state, 'provisioned')
  const again = await rawRequest(`${sim.apiUrl}/addons/${uuid}/actions/provision`, { method: 'POST', headers: bearer(accessToken) })
  t.equal(again.status, 200, 'idempotent')
  await rawRequest(`${sim.apiUrl}/addons/${uuid}/config`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify({ config: [{ name: 'ACME_LOGS_URL', value: 'https://a' }] }) })
  t.equal(sim.addons.get(uuid)!.releases, 1, 'a change after provisioning restarts the app')
  const dep = await rawRequest(`${sim.apiUrl}/addons/${uuid}/actions/deprovision`, { method: 'POST', headers: bearer(accessToken) })
  t.same([dep.status, dep.body.state], [200, 'deprovisioned'])
  const late = await rawRequest(`${sim.apiUrl}/addons/${uuid}/actions/provision`, { method: 'POST', headers: bearer(accessToken) })
  t.equal(late.status, 422)
  const latePatch = await rawRequest(`${sim.apiUrl}/addons/${uuid}/config`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify({ config: [] }) })
  t.equal(latePatch.status, 422)
  const wrongMethod = await rawRequest(`${sim.apiUrl}/addons/${uuid}/actions/provision`, { method: 'GET', headers: bearer(accessToken) })
  t.equal(wrongMethod.status, 405)
})

t.test('an unknown add-on is 404 for its own token', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  sim.addons.delete(uuid)
  const res = await rawRequest(`${sim.apiUrl}/addons/${uuid}`, { headers: bearer(accessToken) })
  t.equal(res.status, 404)
})

t.test('expired access tokens get 401 until refreshed (with the platform-api client)', async (t) => {
  const sim = await startSim(t)
  const { uuid } = await addonWithToken(sim)
  const client = createPlatformClient({ apiUrl: sim.apiUrl, idUrl: sim.idUrl, clientSecret: SECRET, baseDelayMs: 1 })
  const tokens = await client.exchangeGrant(sim.issueGrant(uuid).code)
  await client.updateConfig(uuid, tokens.accessToken, { ACME_LOGS_URL: 'https://x' })
  sim.expireAccessTokens()
  await t.rejects(client.getAddon(uuid, tokens.accessToken), { code: 'PLATFORM_UNAUTHORIZED', status: 401, herokuId: 'unauthorized' })
  const fresh = await client.refresh(tokens.refreshToken)
  t.equal(fresh.refreshToken, tokens.refreshToken)
  t.match(await client.markProvisioned(uuid, fresh.accessToken), { id: uuid, state: 'provisioned', config_vars: ['ACME_LOGS_URL'] })
  await t.rejects(client.exchangeGrant(sim.issueGrant(uuid, { expired: true }).code), { code: 'PLATFORM_INVALID_GRANT', herokuId: 'invalid_grant' })
  const call = sim.calls.find((c) => c.method === 'PATCH')!
  t.equal(call.headers.accept, 'application/vnd.heroku+json; version=3')
  t.same(call.body, { config: [{ name: 'ACME_LOGS_URL', value: 'https://x' }] })
})
