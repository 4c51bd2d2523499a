// The Platform API's rate limit (protocol §21.2): RateLimit-Remaining on every answer, 429
// `rate_limit` from an empty bucket, the refill, GET /account/rate-limits for free, and
// whose bucket a request spends.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { API_HEADERS, CLIENT, addonWithToken, bearer, rawRequest, startSim, userToken } from './helper.js'

t.test('every answer carries RateLimit-Remaining, one token less each time, errors included', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const app = sim.addons.get(uuid)!.app
  const seen: number[] = []
  const statuses: number[] = []
  for (const [path, headers] of [
    [`/addons/${uuid}`, bearer(accessToken)],
    [`/apps/${app.id}/formation`, bearer(accessToken)],
    [`/apps/${app.id}/formation/clock`, bearer(accessToken)],
    [`/apps/${app.id}/formation`, { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' }],
    [`/no/such/route`, bearer(accessToken)]
  ] as const) {
    const res = await rawRequest(`${sim.apiUrl}${path}`, { headers })
    statuses.push(res.status)
    seen.push(Number(res.headers['ratelimit-remaining']))
  }
  t.same(statuses, [200, 200, 404, 406, 404])
  t.same(seen, [4499, 4498, 4497, 4496, 4495])
  t.equal(sim.rateLimitRemaining({ addon: uuid }), 4495)
  const anonymous = await rawRequest(`${sim.apiUrl}/addons/${uuid}`, { headers: API_HEADERS })
  t.equal(anonymous.status, 401)
  t.equal(anonymous.headers['ratelimit-remaining'], '4499', 'a request without a token spends its address\'s bucket')
  sim.failNext(/^\/api\/addons\//, 1, 503)
  const injected = await rawRequest(`${sim.apiUrl}/addons/${uuid}`, { headers: bearer(accessToken) })
  t.same([injected.status, injected.headers['ratelimit-remaining']], [503, '4495'], 'an injected failure carries the header and spends nothing')
  const idHost = await rawRequest(`${sim.idUrl}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'x=1' })
  t.equal(idHost.headers['ratelimit-remaining'], undefined, 'id.heroku.com is not the Platform API')
})

t.test('an empty bucket answers 429 rate_limit, on every route, until it refills', async (t) => {
  const sim = await startSim(t, { rateLimit: { capacity: 3, refillPerMinute: 60_000 / 100 } })
  const { uuid, accessToken } = await addonWithToken(sim)
  const url = `${sim.apiUrl}/apps/${sim.addons.get(uuid)!.app.id}/formation`
  sim.setRateLimitRemaining({ addon: uuid }, 0)
  const limited = await rawRequest(url, { headers: bearer(accessToken) })
  t.same([limited.status, limited.body.id, limited.headers['ratelimit-remaining']], [429, 'rate_limit', '0'])
  t.match(limited.body.message, /rate limit/)
  const patch = await rawRequest(`${url}/web`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify({ quantity: 2 }) })
  t.equal(patch.status, 429)
  t.equal(sim.app(sim.addons.get(uuid)!.app.id).formation[0]!.quantity, 1, 'a limited request changes nothing')
  // One token per 100 ms.
  await new Promise((resolve) => setTimeout(resolve, 130))
  const after = await rawRequest(url, { headers: bearer(accessToken) })
  t.same([after.status, after.headers['ratelimit-remaining']], [200, '0'], 'the refilled token was spent')
  t.equal((await rawRequest(url, { headers: bearer(accessToken) })).status, 429)
  await new Promise((resolve) => setTimeout(resolve, 450))
  t.equal(sim.rateLimitRemaining({ addon: uuid }), 3, 'the bucket refills up to its capacity, not beyond')
})

t.test('draining with requests: the capacity option, then 429', async (t) => {
  const sim = await startSim(t, { rateLimit: { capacity: 5, refillPerMinute: 0.001 } })
  const { uuid, accessToken } = await addonWithToken(sim)
  const remaining: string[] = []
  for (let i = 0; i < 6; i++) {
    const res = await rawRequest(`${sim.apiUrl}/addons/${uuid}`, { headers: bearer(accessToken) })
    remaining.push(`${res.status}:${res.headers['ratelimit-remaining']}`)
  }
  t.same(remaining, ['200:4', '200:3', '200:2', '200:1', '200:0', '429:0'])
})

t.test('GET /account/rate-limits: the remaining tokens, and it spends none', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  await rawRequest(`${sim.apiUrl}/addons/${uuid}`, { headers: bearer(accessToken) })
  for (let i = 0; i < 3; i++) {
    const res = await rawRequest(`${sim.apiUrl}/account/rate-limits`, { headers: bearer(accessToken) })
    t.same([res.status, res.body, res.headers['ratelimit-remaining']], [200, { remaining: 4499 }, '4499'])
  }
  sim.setRateLimitRemaining({ addon: uuid }, 0)
  const empty = await rawRequest(`${sim.apiUrl}/account/rate-limits`, { headers: bearer(accessToken) })
  t.same([empty.status, empty.body], [200, { remaining: 0 }], 'answers even from an empty bucket')
  t.equal((await rawRequest(`${sim.apiUrl}/account/rate-limits`, { headers: API_HEADERS })).status, 401)
  t.equal((await rawRequest(`${sim.apiUrl}/account/rate-limits`, { headers: { Authorization: `Bearer ${accessToken}` } })).status, 406)
})

t.test('whose bucket: each add-on by default, the add-on service with partnerAccount, a user\'s across tokens', async (t) => {
  const sim = await startSim(t, { oauthClient: CLIENT })
  const a = await addonWithToken(sim)
  const b = await addonWithToken(sim)
  await rawRequest(`${sim.apiUrl}/addons/${a.uuid}`, { headers: bearer(a.accessToken) })
  t.equal(sim.rateLimitRemaining({ addon: a.uuid }), 4499)
  t.equal(sim.rateLimitRemaining({ addon: b.uuid }), 4500, 'another add-on\'s bucket is untouched')

  const owner = sim.addons.get(b.uuid)!.owner
  const first = await userToken(sim, { scope: 'read' })
  const second = await userToken(sim, { scope: 'write' })
  t.equal(first.userId, owner.id, 'authorize approves as the latest add-on\'s owner')
  for (const token of [first.accessToken, second.accessToken]) await rawRequest(`${sim.apiUrl}/account/rate-limits`, { headers: bearer(token) })
  await rawRequest(`${sim.apiUrl}/apps/${sim.addons.get(b.uuid)!.app.id}/formation`, { headers: bearer(first.accessToken) })
  const res = await rawRequest(`${sim.apiUrl}/apps/${sim.addons.get(b.uuid)!.app.id}/formation`, { headers: bearer(second.accessToken) })
  t.equal(res.headers['ratelimit-remaining'], '4498', 'two authorizations of one user share the account\'s bucket')
  t.equal(sim.rateLimitRemaining({ user: owner.email }), 4498, 'by email')
  t.equal(sim.rateLimitRemaining({ user: owner.id }), 4498, 'by id')

  const shared = await startSim(t, { rateLimit: { partnerAccount: 'service' } })
  const c = await addonWithToken(shared)
  const d = await addonWithToken(shared)
  await rawRequest(`${shared.apiUrl}/addons/${c.uuid}`, { headers: bearer(c.accessToken) })
  const dRes = await rawRequest(`${shared.apiUrl}/addons/${d.uuid}`, { headers: bearer(d.accessToken) })
  t.equal(dRes.headers['ratelimit-remaining'], '4498', 'every resource of the service spends one bucket')
  t.equal(shared.rateLimitRemaining({ addon: randomUUID() }), 4498)
})
