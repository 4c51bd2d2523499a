// An app's formation on the Platform API (protocol §21.1, §21.3): reading and scaling with the
// add-on's partner token, every refusal with Heroku's error body, the partnerScaling switch,
// the history of who changed what, and scaling by hand.
import t from 'tap'
import { API_HEADERS, addonWithToken, bearer, rawRequest, startSim } from './helper.js'

const patch = (url: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
  rawRequest(url, { method: 'PATCH', headers: { ...bearer(token), ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })

t.test('GET formation: the default process types, by app id or name, and one type', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const app = sim.addons.get(uuid)!.app
  for (const key of [app.id, app.name]) {
    const res = await rawRequest(`${sim.apiUrl}/apps/${key}/formation`, { headers: bearer(accessToken) })
    t.equal(res.status, 200, `by ${key === app.id ? 'id' : 'name'}`)
    t.match(res.body, [
      { id: String, type: 'web', quantity: 1, size: 'standard-1X', command: String, app: { id: app.id, name: app.name }, created_at: String, updated_at: String },
      { type: 'worker', quantity: 0, size: 'standard-1X' }
    ])
    t.equal(res.body.length, 2)
  }
  const web = await rawRequest(`${sim.apiUrl}/apps/${app.name}/formation/web`, { headers: bearer(accessToken) })
  t.match([web.status, web.body], [200, { type: 'web', quantity: 1 }])
  const byId = await rawRequest(`${sim.apiUrl}/apps/${app.name}/formation/${web.body.id}`, { headers: bearer(accessToken) })
  t.equal(byId.body.type, 'web', 'a process type is also found by its formation id')
  t.same(sim.app(app.name).formation, sim.app(app.id).formation)
})

t.test('the formation option sets what new apps start with', async (t) => {
  const sim = await startSim(t, { formation: [{ type: 'web', quantity: 2, size: 'performance-m' }, { type: 'clock', quantity: 1, size: 'performance-L' }] })
  const { uuid } = await addonWithToken(sim)
  t.match(sim.app(sim.addons.get(uuid)!.app.id).formation, [{ type: 'web', quantity: 2, size: 'performance-M', command: 'npm start' }, { type: 'clock', quantity: 1, command: 'node clock.js' }])
  await t.rejects(startSim(t, { formation: [{ type: 'web', quantity: 1, size: 'giant' }] }), { code: 'SIM_INVALID_OPTION' })
  await t.rejects(startSim(t, { formation: [{ type: 'web', quantity: -1 }] }), { code: 'SIM_INVALID_OPTION' })
})

t.test('PATCH one type with the partner token: quantity, size, the actor, updated_at and history', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const app = sim.addons.get(uuid)!.app
  const before = sim.app(app.id).formation[0]!.updated_at
  await new Promise((resolve) => setTimeout(resolve, 5))
  const res = await patch(`${sim.apiUrl}/apps/${app.name}/formation/web`, accessToken, { quantity: 3 })
  t.equal(res.status, 200)
  t.match(res.body, { type: 'web', quantity: 3, size: 'standard-1X', app: { id: app.id } })
  t.ok(res.body.updated_at > before, 'updated_at moves')
  const sized = await patch(`${sim.apiUrl}/apps/${app.id}/formation/web`, accessToken, { size: 'Standard-2x', note: 'ignored' })
  t.match(sized.body, { quantity: 3, size: 'standard-2X' }, 'sizes match case-insensitively; unknown keys of a single update are ignored')
  const history = sim.app(app.id).formationHistory
  t.match(history, [
    { type: 'web', via: 'partner', previous: { quantity: 1 }, quantity: 3, size: 'standard-1X', actor: { email: 'acme-logs@addons.heroku.com', id: String } },
    { type: 'web', via: 'partner', previous: { size: 'standard-1X' }, quantity: 3, size: 'standard-2X' }
  ])
  t.notOk('size' in history[0]!.previous, 'previous names only what changed')
  const same = await patch(`${sim.apiUrl}/apps/${app.id}/formation/web`, accessToken, { quantity: 3 })
  t.equal(same.status, 200)
  t.equal(sim.app(app.id).formationHistory.length, 2, 'a no-op update records nothing')
})

t.test('batch PATCH: several types at once, all or nothing', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const app = sim.addons.get(uuid)!.app
  const url = `${sim.apiUrl}/apps/${app.name}/formation`
  const res = await patch(url, accessToken, { updates: [{ type: 'web', quantity: 4 }, { type: 'worker', quantity: 2, size: 'standard-2X' }] })
  t.equal(res.status, 200)
  t.match(res.body, [{ type: 'web', quantity: 4 }, { type: 'worker', quantity: 2, size: 'standard-2X' }])
  const bad = await patch(url, accessToken, { updates: [{ type: 'web', quantity: 5 }, { type: 'worker', quantity: -1 }] })
  t.same([bad.status, bad.body.id], [422, 'invalid_params'])
  t.match(bad.body.message, /worker.*negative/)
  t.equal(sim.app(app.id).formation[0]!.quantity, 4, 'the valid half of a refused batch is not applied')
  const extra = await patch(url, accessToken, { updates: [{ type: 'web', quantity: 2, command: 'x' }] })
  t.same([extra.status, extra.body.id], [422, 'invalid_params'])
  t.match(extra.body.message, /unknown keys: command/)
  const noType = await patch(url, accessToken, { updates: [{ quantity: 2 }] })
  t.same([noType.status, noType.body.id], [422, 'invalid_params'])
  t.match(noType.body.message, /type/)
  const notList = await patch(url, accessToken, { updates: { type: 'web', quantity: 1 } })
  t.same([notList.status, notList.body.id], [422, 'invalid_params'])
  const twice = await patch(url, accessToken, { updates: [{ type: 'worker', quantity: 3 }, { type: 'worker', size: 'standard-1X' }] })
  t.match(twice.body, [{ type: 'worker', quantity: 3 }, { type: 'worker', quantity: 3, size: 'standard-1X' }], 'a later item for the same type builds on the earlier one')
  t.match(sim.app(app.id).formation[1], { quantity: 3, size: 'standard-1X' })
  const unknownType = await patch(url, accessToken, { updates: [{ type: 'web', quantity: 1 }, { type: 'release', quantity: 1 }] })
  t.same([unknownType.status, unknownType.body.id], [404, 'not_found'])
  t.equal(sim.app(app.id).formation[0]!.quantity, 4)
})

t.test('422 invalid_params: quantity not an integer or negative, over the size\'s limit, unknown size, mixed tiers', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const url = `${sim.apiUrl}/apps/${sim.addons.get(uuid)!.app.id}/formation/web`
  const cases: Array<[unknown, RegExp]> = [
    [{ quantity: 1.5 }, /integer/],
    [{ quantity: '2' }, /integer/],
    [{ quantity: -1 }, /negative/],
    [{ quantity: 101 }, /more than 100 standard-1X/],
    [{ quantity: 11, size: 'performance-M' }, /more than 10 performance-M/],
    [{ size: 'huge-9X' }, /Invalid dyno size/],
    [{ size: 7 }, /size/],
    [{ quantity: 2, size: 'eco' }, /more than 1 eco/],
    [{ size: 'eco' }, /Cannot mix/]
  ]
  for (const [body, message] of cases) {
    const res = await patch(url, accessToken, body)
    t.same([res.status, res.body.id], [422, 'invalid_params'], JSON.stringify(body))
    t.match(res.body.message, message)
  }
  t.equal(sim.addons.size, 1)
  t.match(sim.app(sim.addons.get(uuid)!.app.id).formation[0], { quantity: 1, size: 'standard-1X' }, 'nothing refused was applied')
  t.equal((await patch(url, accessToken, { quantity: 10, size: 'performance-L' })).status, 200, 'performance × 10 is allowed')
  t.equal((await patch(url, accessToken, { quantity: 100, size: 'standard-1X' })).status, 200, 'exactly the limit is allowed')
  t.equal((await patch(url, accessToken, { quantity: 0 })).status, 200, 'zero is allowed')
  const notJson = await patch(url, accessToken, '{')
  t.equal(notJson.status, 400)
  const wrongType = await patch(url, accessToken, '{}', { 'Content-Type': 'text/plain' })
  t.equal(wrongType.status, 415)
  const notObject = await patch(url, accessToken, [1])
  t.same([notObject.status, notObject.body.id], [422, 'invalid_params'])
})

t.test('401, 403, 404, 406 with Heroku\'s error body', async (t) => {
  const sim = await startSim(t)
  const a = await addonWithToken(sim)
  const b = await addonWithToken(sim)
  const appA = sim.addons.get(a.uuid)!.app
  const url = `${sim.apiUrl}/apps/${appA.name}/formation`
  const missing = await rawRequest(url, { headers: API_HEADERS })
  t.same([missing.status, missing.body], [401, { id: 'unauthorized', message: 'No bearer token provided.' }])
  const unknown = await rawRequest(url, { headers: bearer('nope') })
  t.same([unknown.status, unknown.body.id], [401, 'unauthorized'])
  const other = await rawRequest(url, { headers: bearer(b.accessToken) })
  t.same([other.status, other.body.id], [403, 'forbidden'], 'another add-on\'s token cannot read this app')
  t.match(other.body.message, appA.name)
  const otherPatch = await patch(`${url}/web`, b.accessToken, { quantity: 2 })
  t.same([otherPatch.status, otherPatch.body.id], [403, 'forbidden'])
  const noApp = await rawRequest(`${sim.apiUrl}/apps/no-such-app/formation`, { headers: bearer(a.accessToken) })
  t.same([noApp.status, noApp.body.id], [404, 'not_found'])
  const noType = await patch(`${url}/clock`, a.accessToken, { quantity: 1 })
  t.same([noType.status, noType.body.id], [404, 'not_found'])
  t.match(noType.body.message, /process type \(clock\)/)
  const noTypeGet = await rawRequest(`${url}/clock`, { headers: bearer(a.accessToken) })
  t.equal(noTypeGet.status, 404)
  const accept = await rawRequest(url, { headers: { Authorization: `Bearer ${a.accessToken}`, Accept: 'application/json' } })
  t.same([accept.status, accept.body.id], [406, 'not_acceptable'])
  const webhooksAccept = await rawRequest(url, { headers: { Authorization: `Bearer ${a.accessToken}`, Accept: 'application/vnd.heroku+json; version=3.webhooks' } })
  t.equal(webhooksAccept.status, 406, 'the webhooks variant is for the webhook routes only')
  const method = await rawRequest(url, { method: 'POST', headers: bearer(a.accessToken), body: '{}' })
  t.equal(method.status, 405)
  sim.expireAccessTokens()
  const expired = await rawRequest(url, { headers: bearer(a.accessToken) })
  t.same([expired.status, expired.body], [401, { id: 'unauthorized', message: 'The access token has expired.' }])
})

t.test('a deprovisioned add-on\'s token no longer reaches its app', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const url = `${sim.apiUrl}/apps/${sim.addons.get(uuid)!.app.id}/formation`
  t.equal((await rawRequest(url, { headers: bearer(accessToken) })).status, 200)
  sim.addons.get(uuid)!.state = 'deprovisioned'
  const res = await rawRequest(url, { headers: bearer(accessToken) })
  t.same([res.status, res.body.id], [403, 'forbidden'])
})

t.test('partnerScaling forbidden: the partner token reads but cannot PATCH', async (t) => {
  const sim = await startSim(t, { partnerScaling: 'forbidden' })
  t.equal(sim.partnerScaling, 'forbidden')
  const { uuid, accessToken } = await addonWithToken(sim)
  const app = sim.addons.get(uuid)!.app
  t.equal((await rawRequest(`${sim.apiUrl}/apps/${app.id}/formation`, { headers: bearer(accessToken) })).status, 200)
  for (const [url, body] of [[`${sim.apiUrl}/apps/${app.id}/formation/web`, { quantity: 2 }], [`${sim.apiUrl}/apps/${app.id}/formation`, { updates: [{ type: 'web', quantity: 2 }] }]] as const) {
    const res = await patch(url, accessToken, body)
    t.same([res.status, res.body.id], [403, 'forbidden'])
    t.match(res.body.message, /add-on's authorization cannot change this app's formation/)
  }
  t.equal(sim.app(app.id).formation[0]!.quantity, 1)
  sim.setPartnerScaling('allowed')
  t.equal((await patch(`${sim.apiUrl}/apps/${app.id}/formation/web`, accessToken, { quantity: 2 })).status, 200, 'switched back at run time')
  t.throws(() => sim.setPartnerScaling('maybe' as 'allowed'), { code: 'SIM_INVALID_OPTION' })
})

t.test('scaleByHand: heroku ps:scale by the owner, same rules, recorded as manual', async (t) => {
  const sim = await startSim(t)
  const { uuid } = await addonWithToken(sim)
  const app = sim.app(sim.addons.get(uuid)!.app.name)
  const out = sim.scaleByHand(app.name, [{ type: 'web', quantity: 5 }, { type: 'worker', quantity: 1 }])
  t.match(out, [{ type: 'web', quantity: 5 }, { type: 'worker', quantity: 1 }])
  t.match(app.formationHistory.at(-1), { type: 'worker', via: 'manual', actor: { id: app.owner.id, email: app.owner.email }, previous: { quantity: 0 } })
  t.match(sim.scaleByHand(app.id, { type: 'web', size: 'standard-2X' }), [{ size: 'standard-2X', quantity: 5 }], 'one update without an array')
  t.throws(() => sim.scaleByHand(app.id, { type: 'web', quantity: 101 }), { code: 'SIM_INVALID_FORMATION', message: /422 invalid_params/ })
  t.throws(() => sim.scaleByHand(app.id, { type: 'nope', quantity: 1 }), { code: 'SIM_INVALID_FORMATION', message: /404 not_found/ })
  t.throws(() => sim.scaleByHand('no-app', { type: 'web', quantity: 1 }), { code: 'SIM_UNKNOWN_APP' })
  t.equal(app.formation[0]!.quantity, 5)
})

t.test('registerAddon can attach a second add-on to a known app', async (t) => {
  const sim = await startSim(t)
  const first = sim.registerAddon('00000000-0000-4000-8000-000000000001')
  const second = sim.registerAddon('00000000-0000-4000-8000-000000000002', { app: first.app.name })
  t.same(second.app, first.app)
  t.equal(second.owner, first.owner)
  t.equal(sim.apps.size, 1)
  const named = sim.registerAddon('00000000-0000-4000-8000-000000000003', { app: 'fresh-app' })
  t.equal(named.app.name, 'fresh-app', 'an unknown app name makes that app')
  t.equal(sim.apps.size, 2)
})
