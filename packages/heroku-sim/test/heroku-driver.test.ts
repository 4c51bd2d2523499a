import t, { type Test } from 'tap'
import { createHerokuDriver } from '../src/index.js'
import { fakeGateway, manifest, startSim } from './helper.js'

async function setup (t: Test) {
  const sim = await startSim(t)
  const gw = await fakeGateway(t, sim)
  const driver = createHerokuDriver({ sim, baseUrl: gw.baseUrl, addonId: manifest.id, password: manifest.api.password })
  return { sim, gw, driver }
}

t.test('provision sends Heroku\'s v3 request and records a synchronous answer', async (t) => {
  const { sim, gw, driver } = await setup(t)
  const res = await driver.provision({ plan: 'sync', options: { retention_days: '3' }, extra: { unknown_field: true } })
  t.equal(res.status, 200)
  t.equal(res.rejected, undefined)
  const req = gw.seen[0]!
  t.equal(req.method, 'POST')
  t.equal(req.url, '/heroku/resources')
  t.equal(req.headers['content-type'], 'application/json')
  t.equal(req.headers.accept, 'application/vnd.heroku-addons+json; version=3')
  t.match(req.body, {
    uuid: res.uuid,
    name: /^acme-logs-sim-[0-9a-f]{8}$/,
    plan: 'sync',
    region: 'amazon-web-services::us-east-1',
    callback_url: `${sim.apiUrl}/addons/${res.uuid}`,
    oauth_grant: { code: String, expires_at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/, type: 'authorization_code' },
    options: { retention_days: '3' },
    log_input_url: sim.logInputUrl(res.uuid),
    log_drain_token: /^d\.[0-9a-f-]{36}$/,
    unknown_field: true
  })
  const addon = sim.addons.get(res.uuid)!
  t.match(addon, { state: 'provisioned', plan: 'sync', providerId: res.uuid, logDrainUrl: 'http://127.0.0.1:5002/logplex', logDrainToken: req.body.log_drain_token })
  t.same(addon.config, { ACME_LOGS_URL: `https://logs.example/${res.uuid}` })
})

t.test('replay re-sends the identical request', async (t) => {
  const { gw, driver } = await setup(t)
  const res = await driver.provision({ plan: 'sync' })
  const again = await driver.replay(res.request)
  t.equal(again.status, 200)
  t.equal(gw.seen.length, 2)
  t.same(gw.seen[1]!.body, gw.seen[0]!.body)
})

t.test('an asynchronous provision completes through the Platform API', async (t) => {
  const { sim, gw, driver } = await setup(t)
  const res = await driver.provision({ plan: 'async' })
  t.equal(res.status, 202)
  const addon = await driver.waitForState(res.uuid, 'provisioned', 5000)
  await Promise.all(gw.asyncDone)
  t.same(addon.config, { ACME_LOGS_URL: `https://logs.example/${res.uuid}` })
  t.same(sim.calls.map((c) => `${c.method} ${c.path} ${c.status}`), [
    'POST /id/oauth/token 200',
    `PATCH /api/addons/${res.uuid}/config 200`,
    `POST /api/addons/${res.uuid}/actions/provision 200`
  ])
})

t.test('an expired grant makes the gateway\'s exchange fail', async (t) => {
  const { gw, driver } = await setup(t)
  const res = await driver.provision({ plan: 'async', grant: 'expired' })
  t.equal(res.status, 202)
  await t.rejects(gw.asyncDone[0]!, { code: 'PLATFORM_INVALID_GRANT' })
  const none = await driver.provision({ plan: 'sync', grant: 'none' })
  t.equal(gw.seen[1]!.body.oauth_grant, null)
  t.equal(none.status, 200)
})

t.test('answers Heroku would refuse end the install', async (t) => {
  const { sim, driver } = await setup(t)
  const bad = await driver.provision({ plan: 'bad' })
  t.equal(bad.status, 200)
  t.match(bad.rejected, /ACME_LOGS_PASSWORD is not in the manifest/)
  t.equal(sim.addons.get(bad.uuid)!.state, 'deprovisioned')
  t.same(sim.addons.get(bad.uuid)!.config, {})
  const refused = await driver.provision({ plan: 'nope' })
  t.equal(refused.status, 422)
  t.equal(refused.body.message, 'Plan nope is not available')
  t.equal(sim.addons.get(refused.uuid)!.state, 'deprovisioned')
  const unauth = await driver.provision({ plan: 'sync', auth: 'Basic eDp5' })
  t.equal(unauth.status, 401)
  await t.rejects(driver.waitForState(unauth.uuid, 'provisioned', 50), { code: 'SIM_WAIT_TIMEOUT' })
})

t.test('changePlan merges config and deprovision marks the add-on', async (t) => {
  const { sim, gw, driver } = await setup(t)
  const { uuid } = await driver.provision({ plan: 'sync' })
  const change = await driver.changePlan(uuid, 'pro')
  t.equal(change.status, 200)
  t.match(gw.seen[1], { method: 'PUT', url: `/heroku/resources/${uuid}`, body: { plan: 'pro' } })
  const addon = sim.addons.get(uuid)!
  t.equal(addon.plan, 'pro')
  t.same(addon.config, { ACME_LOGS_URL: `https://logs.example/${uuid}`, ACME_LOGS_TOKEN: 'tok-pro' })
  t.equal(addon.releases, 1)
  const gone = await driver.deprovision(uuid)
  t.equal(gone.status, 204)
  t.equal(gone.body, null)
  t.match(gw.seen[2], { method: 'DELETE', url: `/heroku/resources/${uuid}` })
  t.equal(gw.seen[2]!.body, undefined, 'DELETE carries no body')
  // Heroku's headers on every verb, the empty DELETE included (protocol §3.2, §3.3).
  const basic = `Basic ${Buffer.from(`${manifest.id}:${manifest.api.password}`).toString('base64')}`
  for (const seen of gw.seen.slice(0, 3)) {
    t.equal(seen.headers['content-type'], 'application/json', `${seen.method}: Content-Type`)
    t.equal(seen.headers.accept, 'application/vnd.heroku-addons+json; version=3', `${seen.method}: Accept`)
    t.match(seen.headers['user-agent'], /^Heroku/, `${seen.method}: a Heroku User-Agent`)
    t.equal(seen.headers.authorization, basic, `${seen.method}: Basic id:password`)
  }
  t.notOk(gw.seen[2]!.headers['transfer-encoding'], 'the empty DELETE is not chunked')
  t.equal((await driver.waitForState(uuid, 'deprovisioned', 100)).state, 'deprovisioned')
})
