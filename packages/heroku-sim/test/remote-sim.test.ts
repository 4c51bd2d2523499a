// The control API and connectHerokuSim: the driver plays Heroku through a simulator served
// by "another process" exactly as through one in this process, and sees the same state.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { connectHerokuSim, createHerokuDriver, startHerokuSim, SimError } from '../src/index.js'
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
