// The control API and connectHerokuSim: the driver plays Heroku through a simulator served
// by "another process" exactly as through one in this process, and sees the same state.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { connectHerokuSim, createHerokuDriver, localHerokuSide, startHerokuSim, SimError } from '../src/index.js'
import { SECRET, fakeGateway, manifest, rawRequest } from './helper.js'

async function remote (t: { teardown (fn: () => unknown): void }, extra: { plans?: string[] } = {}) {
  const sim = await startHerokuSim({ clientSecret: SECRET, manifest, control: true, ...extra })
  t.teardown(() => sim.close())
  return { sim, side: await connectHerokuSim(sim.url) }
}

t.test('info: the urls, add-on id, plans and sso_url', async (t) => {
  const { sim, side } = await remote(t, { plans: ['hobby', 'pro'] })
  t.equal(side.url, sim.url)
  t.equal(side.apiUrl, sim.apiUrl)
  t.equal(side.idUrl, sim.idUrl)
  t.equal(side.addonId, manifest.id)
  t.same(side.plans, ['hobby', 'pro'])
  t.equal(side.ssoUrl, manifest.api.test.sso_url)
})

t.test('a driver over the remote side provisions, changes plan and deprovisions; the sim reads each answer', async (t) => {
  const { sim, side } = await remote(t)
  const gw = await fakeGateway(t, sim)
  const driver = createHerokuDriver({ side, baseUrl: gw.baseUrl, addonId: manifest.id, password: manifest.api.password, requires: manifest.api.requires })
  const p = await driver.provision({ plan: 'sync' })
  t.equal(p.status, 200)
  t.equal(sim.addons.get(p.uuid)!.state, 'provisioned', 'the remote sim applied the synchronous answer')
  t.match(gw.seen[0]!.body, { uuid: p.uuid, log_drain_token: sim.addons.get(p.uuid)!.logDrainToken, log_input_url: sim.logInputUrl(p.uuid) })
  t.equal(gw.seen[0]!.body.oauth_grant.type, 'authorization_code')

  const bad = await driver.provision({ plan: 'bad' })
  t.match(bad.rejected, /ACME_LOGS_PASSWORD is not in the manifest/)
  t.equal(sim.addons.get(bad.uuid)!.state, 'deprovisioned', 'an answer Heroku cannot accept fails the install')

  const a = await driver.provision({ plan: 'async' })
  t.equal(a.status, 202)
  await Promise.all(gw.asyncDone)
  t.equal((await driver.waitForState(a.uuid, 'provisioned', 5000)).state, 'provisioned')
  t.equal((await side.addon(a.uuid))!.config.ACME_LOGS_URL, `https://logs.example/${a.uuid}`)

  t.equal((await driver.changePlan(p.uuid, 'pro')).status, 200)
  t.equal(sim.addons.get(p.uuid)!.plan, 'pro')
  t.equal((await driver.deprovision(p.uuid)).status, 204)
  t.equal(sim.addons.get(p.uuid)!.state, 'deprovisioned')
  t.equal((await driver.deprovision('not-a-uuid')).status, 204, 'an id the sim never saw is still sent, and its answer read')
})

t.test('calls, grants, SSO forms, delays and failures through the control API', async (t) => {
  const { sim, side } = await remote(t)
  const uuid = randomUUID()
  const addon = await side.registerAddon(uuid, { plan: 'hobby' })
  t.equal(addon.uuid, uuid)
  t.equal(addon.state, 'provisioning')
  const expired = await side.issueGrant(uuid, { expired: true })
  t.ok(Date.parse(expired.expires_at) < Date.now())
  t.equal(await side.logInputUrl(uuid), sim.logInputUrl(uuid))
  const sso = await side.ssoRequest(uuid, { extra: { issue_no: '7' } })
  t.equal(sso.params.resource_id, uuid)
  t.equal(sso.params.issue_no, '7')

  const before = (await side.calls()).next
  await rawRequest(`${sim.apiUrl}/addons/${uuid}`, { headers: { Accept: 'application/vnd.heroku+json; version=3' } })
  const { calls, next } = await side.calls(before)
  t.equal(next, before + 1, 'control requests are not recorded as Heroku traffic')
  t.match(calls, [{ method: 'GET', path: `/api/addons/${uuid}`, status: 401 }])
  t.ok(calls[0]!.at instanceof Date)

  await side.failNext(/^\/api\/addons\//, 1, 503)
  t.equal((await rawRequest(`${sim.apiUrl}/addons/${uuid}`)).status, 503)
  await side.delay(/^\/api\/addons\//, 300)
  const started = Date.now()
  await rawRequest(`${sim.apiUrl}/addons/${uuid}`)
  t.ok(Date.now() - started >= 280, 'the next matching request was delayed')

  t.equal(await side.addon(randomUUID()), undefined)
  await t.rejects(side.ssoRequest(randomUUID()), { code: 'SIM_CONTROL_FAILED' })
})

t.test('connecting to something that is not a simulator says so', async (t) => {
  const sim = await startHerokuSim({ clientSecret: SECRET, manifest })
  t.teardown(() => sim.close())
  await t.rejects(connectHerokuSim(sim.url), { code: 'SIM_CONTROL_FAILED', message: /control API/ })
  await sim.close()
  const err = await connectHerokuSim(sim.url).catch((e: unknown) => e)
  t.ok(err instanceof SimError)
  t.equal((err as SimError).code, 'SIM_UNREACHABLE')
})

t.test('the app side through the control API: formation, scaling by hand, releases, partnerScaling, rate limits, OAuth, webhooks', async (t) => {
  const { sim, side } = await remote(t)
  const uuid = randomUUID()
  const addon = await side.registerAddon(uuid, { plan: 'hobby' })
  const app = await side.app(addon.app.name)
  t.match(app, { id: addon.app.id, name: addon.app.name, owner: addon.owner, formation: [{ type: 'web', quantity: 1 }, { type: 'worker', quantity: 0 }] })
  t.equal(await side.app('no-such-app'), undefined)

  t.match(await side.scaleByHand(addon.app.id, { type: 'web', quantity: 3 }), [{ type: 'web', quantity: 3 }])
  t.match(await side.scaleByHand(addon.app.name, [{ type: 'worker', quantity: 1, size: 'standard-2X' }]), [{ type: 'worker', size: 'standard-2X' }])
  await t.rejects(side.scaleByHand(addon.app.id, { type: 'web', quantity: 1000 }), { code: 'SIM_INVALID_FORMATION', message: /more than 100/ })
  await t.rejects(side.scaleByHand('no-such-app', { type: 'web', quantity: 1 }), { code: 'SIM_CONTROL_FAILED' })
  t.match((await side.app(addon.app.id))!.formationHistory, [{ via: 'manual', quantity: 3, actor: { id: addon.owner.id } }, { type: 'worker' }])
  t.equal(sim.app(addon.app.id).formation[0]!.quantity, 3, 'the remote sim changed')

  t.match(await side.simulateRelease(addon.app.id, { description: 'Deploy 1a2b' }), { version: 1, description: 'Deploy 1a2b', user: { id: addon.owner.id } })

  await side.setPartnerScaling('forbidden')
  t.equal(sim.partnerScaling, 'forbidden')
  t.match((await rawRequest(`${sim.url}/_sim/info`)).body, { partner_scaling: 'forbidden' })
  await t.rejects(side.setPartnerScaling('sometimes' as 'allowed'), { code: 'SIM_CONTROL_FAILED' })

  await side.setRateLimitRemaining({ addon: uuid }, 7)
  t.equal(await side.rateLimitRemaining({ addon: uuid }), 7)
  t.equal(sim.rateLimitRemaining({ addon: uuid }), 7)
  await side.setRateLimitRemaining({ user: addon.owner.email }, 2)
  t.equal(sim.rateLimitRemaining({ user: addon.owner.id }), 2)

  await side.setOAuthClient({ id: 'remote-client', redirectUris: ['https://c.example/cb'], secret: 'remote-secret' })
  t.same(sim.oauthClient, { id: 'remote-client', redirectUris: ['https://c.example/cb'], secret: 'remote-secret', name: undefined })
  const stranger = await side.signIn('someone@example.com')
  t.equal(sim.users.get(stranger.id)!.email, 'someone@example.com')
  const auth = await rawRequest(`${sim.idUrl}/oauth/authorize?${new URLSearchParams({ client_id: 'remote-client', response_type: 'code', scope: 'read' })}`)
  t.equal(auth.status, 302)
  t.equal([...sim.authorizations.values()][0]!.user.id, stranger.id, 'authorize approves as the signed-in user')
  await t.rejects(side.signIn('nobody'), { code: 'SIM_CONTROL_FAILED' })

  const before = await side.webhookDeliveries()
  t.same(before, { deliveries: [], next: 0 })
  const received: string[] = []
  const http = await import('node:http')
  const rx = http.createServer((req, res) => { let b = ''; req.on('data', (c: Buffer) => { b += c.toString() }); req.on('end', () => { received.push(b); res.writeHead(204); res.end() }) })
  await new Promise<void>((resolve) => rx.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { rx.closeAllConnections(); rx.close() })
  sim.webhooks.set('w1', { id: 'w1', addon: { id: uuid, name: addon.name }, include: ['api:formation'], level: 'notify', url: `http://127.0.0.1:${(rx.address() as { port: number }).port}/h`, authorization: null, secret: 's', created_at: '', updated_at: '' })
  await side.scaleByHand(addon.app.id, { type: 'web', quantity: 2 })
  await sim.webhooksIdle()
  const { deliveries, next } = await side.webhookDeliveries()
  t.equal(next, 1)
  t.match(deliveries, [{ status: 'succeeded', webhook: { id: 'w1' }, attempts: [{ code: 204 }] }])
  t.match(await side.redeliverWebhook(deliveries[0]!.id), { code: 204, status: 'succeeded' })
  t.equal(received.length, 2)
  t.equal(JSON.parse(received[0]!).id, JSON.parse(received[1]!).id, 'the redelivery carries the same event id')
  t.same((await side.webhookDeliveries(1)).deliveries, [])
  await t.rejects(side.redeliverWebhook('nope'), { code: 'SIM_CONTROL_FAILED' })
})

t.test('the same app side over a local HerokuSide', async (t) => {
  const sim = await startHerokuSim({ clientSecret: SECRET, manifest })
  t.teardown(() => sim.close())
  const side = localHerokuSide(sim)
  const addon = await side.registerAddon(randomUUID())
  t.equal((await side.app(addon.app.name))!.id, addon.app.id)
  t.equal(await side.app('nope'), undefined)
  t.match(await side.scaleByHand(addon.app.id, { type: 'web', quantity: 2 }), [{ quantity: 2 }])
  await t.rejects(side.scaleByHand(addon.app.id, { type: 'web', quantity: -2 }), { code: 'SIM_INVALID_FORMATION' })
  t.equal((await side.simulateRelease(addon.app.id)).version, 1)
  await side.setPartnerScaling('forbidden')
  t.equal(sim.partnerScaling, 'forbidden')
  await side.setRateLimitRemaining({ addon: addon.uuid }, 3)
  t.equal(await side.rateLimitRemaining({ addon: addon.uuid }), 3)
  await side.setOAuthClient({ id: 'c', redirectUris: ['https://c.example/cb'] })
  t.equal(sim.oauthClient!.id, 'c')
  t.equal((await side.signIn(addon.owner.email)).id, addon.owner.id)
  t.same(await side.webhookDeliveries(), { deliveries: [], next: 0 })
  await t.rejects(side.redeliverWebhook('nope'), { code: 'SIM_UNKNOWN_DELIVERY' })
})
