// Add-on webhooks (protocol §21.4): subscribing with Heroku's validation and the generated
// secret, signed deliveries of formation and release events, `sync` retries with the same
// event id, `notify` tried once, the delivery records and a redelivery for de-duplication.
import t from 'tap'
import { createHmac } from 'node:crypto'
import { verifyWebhookSignature, herokuWebhookRetryDelaysMs } from '../src/index.js'
import { addonWithToken, bearer, rawRequest, startSim, webhookReceiver } from './helper.js'

const FAST = { retryDelaysMs: [30, 30, 30, 30], timeoutMs: 500 }

async function subscribe (sim: { apiUrl: string }, uuid: string, token: string, body: Record<string, unknown>, accept?: string) {
  const headers = { ...bearer(token), ...(accept ? { Accept: accept } : {}) }
  return rawRequest(`${sim.apiUrl}/addons/${uuid}/webhooks`, { method: 'POST', headers, body: JSON.stringify(body) })
}

t.test('subscribing: 201, the secret once in Heroku-Webhook-Secret, never in the body', async (t) => {
  const sim = await startSim(t, { webhooks: FAST })
  const { uuid, accessToken } = await addonWithToken(sim)
  const res = await subscribe(sim, uuid, accessToken, { include: ['api:formation', 'api:release'], level: 'sync', url: 'https://hooks.example/h', authorization: 'Bearer abc' })
  t.equal(res.status, 201)
  t.match(res.body, { addon: { id: uuid, name: sim.addons.get(uuid)!.name }, id: String, include: ['api:formation', 'api:release'], level: 'sync', url: 'https://hooks.example/h', created_at: String, updated_at: String })
  t.same(Object.keys(res.body).sort(), ['addon', 'created_at', 'id', 'include', 'level', 'updated_at', 'url'], 'no secret, no authorization')
  const secret = res.headers['heroku-webhook-secret'] as string
  t.match(secret, /^[0-9a-f]{60}$/)
  t.equal(sim.webhooks.get(res.body.id)!.secret, secret)
  t.equal(res.headers['ratelimit-remaining'], '4499')

  const own = await subscribe(sim, uuid, accessToken, { include: ['api:release'], level: 'notify', url: 'https://hooks.example/2', secret: 'mine' }, 'application/vnd.heroku+json; version=3.webhooks')
  t.equal(own.status, 201, 'the webhooks Accept variant from Heroku\'s webhook docs is accepted')
  t.equal(own.headers['heroku-webhook-secret'], undefined, 'no header when the secret was given')

  const list = await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhooks`, { headers: bearer(accessToken) })
  t.same(list.body.map((h: { id: string }) => h.id), [res.body.id, own.body.id])
  const one = await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhooks/${own.body.id}`, { headers: bearer(accessToken) })
  t.equal(one.body.level, 'notify')
  const patched = await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhooks/${own.body.id}`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify({ level: 'sync', secret: null, other: 1 }) })
  t.same([patched.status, patched.body.level], [200, 'sync'])
  t.match(patched.headers['heroku-webhook-secret'], /^[0-9a-f]{60}$/, 'secret: null makes a new one, shown once')
  const deleted = await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhooks/${own.body.id}`, { method: 'DELETE', headers: bearer(accessToken) })
  t.same([deleted.status, deleted.body.id], [200, own.body.id])
  t.equal((await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhooks/${own.body.id}`, { headers: bearer(accessToken) })).status, 404)
})

t.test('subscribing is validated like Heroku: 422 invalid_params, 403 for another add-on', async (t) => {
  const sim = await startSim(t)
  const { uuid, accessToken } = await addonWithToken(sim)
  const other = await addonWithToken(sim)
  const good = { include: ['api:formation'], level: 'notify', url: 'https://hooks.example/h' }
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ level: 'notify', url: good.url }, /include/],
    [{ ...good, level: undefined }, /level/],
    [{ ...good, url: undefined }, /url/],
    [{ ...good, include: [] }, /include/],
    [{ ...good, include: 'api:formation' }, /include/],
    [{ ...good, include: ['api:nope'] }, /Unknown include: api:nope/],
    [{ ...good, level: 'async' }, /level/],
    [{ ...good, url: 'ftp://hooks.example/h' }, /url/],
    [{ ...good, url: 'not a url' }, /url/],
    [{ ...good, authorization: 5 }, /authorization/],
    [{ ...good, secret: '' }, /secret/],
    [{ ...good, filter: ['x'] }, /Unknown parameters: filter/]
  ]
  for (const [body, message] of cases) {
    const res = await subscribe(sim, uuid, accessToken, JSON.parse(JSON.stringify(body)))
    t.same([res.status, res.body.id], [422, 'invalid_params'], JSON.stringify(body))
    t.match(res.body.message, message)
  }
  t.equal(sim.webhooks.size, 0, 'nothing subscribed')
  const foreign = await subscribe(sim, uuid, other.accessToken, good)
  t.same([foreign.status, foreign.body.id], [403, 'forbidden'])
  const text = await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhooks`, { method: 'POST', headers: { ...bearer(accessToken), 'Content-Type': 'text/plain' }, body: '{}' })
  t.equal(text.status, 415)
  const patchBad = await subscribe(sim, uuid, accessToken, good)
  const badPatch = await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhooks/${patchBad.body.id}`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify({ level: 'later' }) })
  t.same([badPatch.status, badPatch.body.id], [422, 'invalid_params'])

  const unapproved = await startSim(t, { webhooks: { restrictedIncludesApproved: false } })
  const u = await addonWithToken(unapproved)
  const refused = await subscribe(unapproved, u.uuid, u.accessToken, good)
  t.same([refused.status, refused.body.id], [422, 'invalid_params'])
  t.match(refused.body.message, /not approved for api:formation/)
  t.equal((await subscribe(unapproved, u.uuid, u.accessToken, { ...good, include: ['api:app'] })).status, 201)
})

t.test('a formation change is delivered signed, over the raw bytes, with the registered Authorization', async (t) => {
  const sim = await startSim(t, { webhooks: FAST })
  const { uuid, accessToken } = await addonWithToken(sim)
  const app = sim.addons.get(uuid)!.app
  const rx = await webhookReceiver(t)
  const sub = await subscribe(sim, uuid, accessToken, { include: ['api:formation'], level: 'notify', url: rx.url, authorization: 'Bearer shared-123' })
  const secret = sub.headers['heroku-webhook-secret'] as string
  await rawRequest(`${sim.apiUrl}/apps/${app.id}/formation/web`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify({ quantity: 3 }) })
  await rx.next(1)
  const got = rx.received[0]!
  t.equal(got.headers['content-type'], 'application/json')
  t.equal(got.headers.authorization, 'Bearer shared-123')
  t.match(got.headers['user-agent'], /heroku/i)
  const expected = createHmac('sha256', secret).update(got.raw).digest('base64')
  t.equal(got.headers['heroku-webhook-hmac-sha256'], expected, 'base64 HMAC-SHA256 of the raw body')
  t.ok(verifyWebhookSignature(secret, got.raw, got.headers['heroku-webhook-hmac-sha256'] as string))
  t.notOk(verifyWebhookSignature(secret, Buffer.concat([got.raw, Buffer.from(' ')]), got.headers['heroku-webhook-hmac-sha256'] as string), 'one byte more and it fails')
  t.notOk(verifyWebhookSignature('other', got.raw, got.headers['heroku-webhook-hmac-sha256'] as string))
  t.match(got.body, {
    id: String,
    action: 'update',
    resource: 'formation',
    actor: { email: 'acme-logs@addons.heroku.com', id: String },
    created_at: String,
    data: { type: 'web', quantity: 3, size: 'standard-1X', app: { id: app.id, name: app.name } },
    previous_data: { quantity: 1 },
    version: 'application/vnd.heroku+json; version=3',
    webhook_metadata: { attempt: { id: String }, delivery: { id: String }, event: { include: 'api:formation' }, webhook: { id: sub.body.id } }
  })
  t.equal(got.body.webhook_metadata.event.id, got.body.id, 'the envelope id is the event id')
  await sim.webhooksIdle()
  t.match(sim.webhookDeliveries, [{ status: 'succeeded', num_attempts: 1, event: { id: got.body.id, include: 'api:formation' }, webhook: { id: sub.body.id, level: 'notify' }, attempts: [{ code: 204, status: 'succeeded' }] }])
  t.equal(sim.webhookDeliveries[0]!.attempts[0]!.body, got.raw.toString('utf8'), 'the record keeps the exact bytes sent')

  // A person's change (heroku ps:scale) names the owner; a release event goes only to api:release subscribers.
  sim.scaleByHand(app.id, { type: 'web', quantity: 1 })
  sim.simulateRelease(app.id)
  await rx.next(2)
  await sim.webhooksIdle()
  t.equal(rx.received.length, 2)
  t.match(rx.received[1]!.body, { actor: { id: sim.addons.get(uuid)!.owner.id, email: sim.addons.get(uuid)!.owner.email }, previous_data: { quantity: 3 }, data: { quantity: 1 } })
})

t.test('sync: retried with the same event and delivery ids, a new attempt id, until a 2xx', async (t) => {
  const sim = await startSim(t, { webhooks: FAST })
  const { uuid, accessToken } = await addonWithToken(sim)
  const rx = await webhookReceiver(t, (n) => (n < 2 ? 503 : 200))
  await subscribe(sim, uuid, accessToken, { include: ['api:formation'], level: 'sync', url: rx.url })
  sim.scaleByHand(sim.addons.get(uuid)!.app.id, { type: 'worker', quantity: 2 })
  await rx.next(3)
  await sim.webhooksIdle()
  t.equal(rx.received.length, 3)
  const bodies = rx.received.map((r) => r.body)
  t.equal(new Set(bodies.map((b) => b.id)).size, 1, 'one event id')
  t.equal(new Set(bodies.map((b) => b.webhook_metadata.delivery.id)).size, 1, 'one delivery id')
  t.equal(new Set(bodies.map((b) => b.webhook_metadata.attempt.id)).size, 3, 'three attempt ids')
  t.ok(rx.received[1]!.at - rx.received[0]!.at >= 25, 'the retry waited for the schedule')
  const [delivery] = sim.webhookDeliveries
  t.match(delivery, { status: 'succeeded', num_attempts: 3, next_attempt_at: null })
  t.same(delivery!.attempts.map((a) => [a.code, a.status]), [[503, 'failed'], [503, 'failed'], [200, 'succeeded']])
})

t.test('sync gives up after the schedule; a refused connection counts as a failed attempt', async (t) => {
  const sim = await startSim(t, { webhooks: { retryDelaysMs: [10, 10], timeoutMs: 300 } })
  const { uuid, accessToken } = await addonWithToken(sim)
  const rx = await webhookReceiver(t, () => 500)
  await subscribe(sim, uuid, accessToken, { include: ['api:release'], level: 'sync', url: rx.url })
  await subscribe(sim, uuid, accessToken, { include: ['api:release'], level: 'sync', url: 'http://127.0.0.1:9/closed' })
  sim.simulateRelease(sim.addons.get(uuid)!.app.name, { description: 'Deploy abc123' })
  await sim.webhooksIdle()
  t.equal(rx.received.length, 3, '1 + 2 retries')
  t.match(rx.received[0]!.body, { action: 'create', resource: 'release', data: { description: 'Deploy abc123', version: 1, status: 'succeeded', current: true } })
  const [toRx, toClosed] = sim.webhookDeliveries
  t.match(toRx, { status: 'failed', num_attempts: 3, next_attempt_at: null })
  t.match(toClosed, { status: 'failed', num_attempts: 3 })
  t.same(toClosed!.attempts.map((a) => [a.code, a.error_class]), [[null, 'ConnectionError'], [null, 'ConnectionError'], [null, 'ConnectionError']])
})

t.test('a timeout is a failed attempt', async (t) => {
  const sim = await startSim(t, { webhooks: { retryDelaysMs: [], timeoutMs: 100 } })
  const { uuid, accessToken } = await addonWithToken(sim)
  const http = await import('node:http')
  const slow = http.createServer(() => { /* never answers */ })
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { slow.closeAllConnections(); slow.close() })
  const port = (slow.address() as { port: number }).port
  await subscribe(sim, uuid, accessToken, { include: ['api:release'], level: 'sync', url: `http://127.0.0.1:${port}/slow` })
  sim.simulateRelease(sim.addons.get(uuid)!.app.id)
  await sim.webhooksIdle()
  t.match(sim.webhookDeliveries[0], { status: 'failed', attempts: [{ code: null, error_class: 'Timeout', status: 'failed' }] })
})

t.test('notify: one attempt, even when it fails; later deliveries still go out in order', async (t) => {
  const sim = await startSim(t, { webhooks: FAST })
  const { uuid, accessToken } = await addonWithToken(sim)
  const rx = await webhookReceiver(t, (n) => (n === 0 ? 503 : 204))
  await subscribe(sim, uuid, accessToken, { include: ['api:formation'], level: 'notify', url: rx.url })
  const app = sim.addons.get(uuid)!.app.id
  sim.scaleByHand(app, { type: 'web', quantity: 2 })
  sim.scaleByHand(app, { type: 'web', quantity: 3 })
  await sim.webhooksIdle()
  t.equal(rx.received.length, 2, 'no retry of the failed one')
  t.same(rx.received.map((r) => r.body.data.quantity), [2, 3], 'in order')
  t.same(sim.webhookDeliveries.map((d) => [d.status, d.num_attempts]), [['failed', 1], ['succeeded', 1]])
})

t.test('sync deliveries to one subscription stay in order behind a retry', async (t) => {
  const sim = await startSim(t, { webhooks: { retryDelaysMs: [40, 40], timeoutMs: 500 } })
  const { uuid, accessToken } = await addonWithToken(sim)
  const rx = await webhookReceiver(t, (n) => (n === 0 ? 500 : 204))
  await subscribe(sim, uuid, accessToken, { include: ['api:formation'], level: 'sync', url: rx.url })
  const app = sim.addons.get(uuid)!.app.id
  sim.scaleByHand(app, { type: 'web', quantity: 2 })
  sim.scaleByHand(app, { type: 'web', quantity: 3 })
  await sim.webhooksIdle()
  t.same(rx.received.map((r) => r.body.data.quantity), [2, 2, 3], 'the second event waited for the first one\'s retry')
})

t.test('redelivery: the same event once more, for de-duplication tests; deliveries on the API', async (t) => {
  const sim = await startSim(t, { webhooks: FAST })
  const { uuid, accessToken } = await addonWithToken(sim)
  const rx = await webhookReceiver(t)
  const sub = await subscribe(sim, uuid, accessToken, { include: ['api:formation'], level: 'sync', url: rx.url })
  sim.scaleByHand(sim.addons.get(uuid)!.app.id, { type: 'web', quantity: 2 })
  await sim.webhooksIdle()
  const delivery = sim.webhookDeliveries[0]!
  const attempt = await sim.redeliverWebhook(delivery.id)
  t.match(attempt, { code: 204, status: 'succeeded' })
  t.equal(rx.received.length, 2)
  const [a, b] = rx.received.map((r) => r.body)
  t.equal(a.id, b.id, 'same event id')
  t.equal(a.webhook_metadata.delivery.id, b.webhook_metadata.delivery.id)
  t.not(a.webhook_metadata.attempt.id, b.webhook_metadata.attempt.id)
  t.equal(delivery.num_attempts, 2)
  await t.rejects(sim.redeliverWebhook('nope'), { code: 'SIM_UNKNOWN_DELIVERY' })

  const list = await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhook-deliveries`, { headers: bearer(accessToken) })
  t.equal(list.status, 200)
  t.match(list.body, [{ id: delivery.id, event: { id: a.id, include: 'api:formation' }, webhook: { id: sub.body.id, level: 'sync' }, status: 'succeeded', num_attempts: 2, last_attempt: { code: 204, status: 'succeeded' } }])
  t.notOk('attempts' in list.body[0], 'the API shows the last attempt only')
  const one = await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhook-deliveries/${delivery.id}`, { headers: bearer(accessToken) })
  t.equal(one.body.id, delivery.id)
  t.equal((await rawRequest(`${sim.apiUrl}/addons/${uuid}/webhook-deliveries/nope`, { headers: bearer(accessToken) })).status, 404)
})

t.test('who gets an event: add-ons on the app, not deprovisioned, subscribed to it; config changes are releases', async (t) => {
  const sim = await startSim(t, { webhooks: FAST })
  const a = await addonWithToken(sim)
  const b = await addonWithToken(sim)
  const rxA = await webhookReceiver(t)
  const rxB = await webhookReceiver(t)
  await subscribe(sim, a.uuid, a.accessToken, { include: ['api:release'], level: 'notify', url: rxA.url })
  await subscribe(sim, b.uuid, b.accessToken, { include: ['api:formation'], level: 'notify', url: rxB.url })
  const appA = sim.addons.get(a.uuid)!.app.id
  sim.scaleByHand(appA, { type: 'web', quantity: 2 })
  await rawRequest(`${sim.apiUrl}/addons/${a.uuid}/actions/provision`, { method: 'POST', headers: bearer(a.accessToken) })
  await rawRequest(`${sim.apiUrl}/addons/${a.uuid}/config`, { method: 'PATCH', headers: bearer(a.accessToken), body: JSON.stringify({ config: [{ name: 'ACME_LOGS_URL', value: 'https://x' }] }) })
  await sim.webhooksIdle()
  t.equal(rxB.received.length, 0, 'b is on another app')
  t.equal(rxA.received.length, 1, 'a subscribed to releases only')
  t.match(rxA.received[0]!.body, { resource: 'release', actor: { email: 'acme-logs@addons.heroku.com' }, data: { description: 'Update ACME_LOGS by acme-logs', addon_plan_names: ['acme-logs:hobby'], version: 1 } })
  t.equal(sim.app(appA).releases.length, 1)
  sim.addons.get(a.uuid)!.state = 'deprovisioned'
  sim.simulateRelease(appA)
  await sim.webhooksIdle()
  t.equal(rxA.received.length, 1, 'a deprovisioned add-on gets no more events')
  t.equal(sim.app(appA).releases.at(-1)!.version, 2)
  t.equal(sim.app(appA).releases.filter((r) => r.current).length, 1)
})

t.test('the default retry schedule is Heroku\'s: 180 attempts over about seven days, hourly at most', async (t) => {
  const delays = herokuWebhookRetryDelaysMs()
  t.equal(delays.length + 1, 180)
  t.equal(delays[0], 1000)
  t.equal(Math.max(...delays), 3_600_000)
  const days = delays.reduce((a, b) => a + b, 0) / 86_400_000
  t.ok(days > 6.5 && days < 7.5, `${days.toFixed(2)} days`)
})

t.test('close stops retries that are waiting', async (t) => {
  const sim = await startSim(t, { webhooks: { retryDelaysMs: [60_000], timeoutMs: 300 } })
  const { uuid, accessToken } = await addonWithToken(sim)
  const rx = await webhookReceiver(t, () => 500)
  await subscribe(sim, uuid, accessToken, { include: ['api:formation'], level: 'sync', url: rx.url })
  sim.scaleByHand(sim.addons.get(uuid)!.app.id, { type: 'web', quantity: 2 })
  await rx.next(1)
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(sim.webhookDeliveries[0]!.status, 'retrying')
  t.ok(sim.webhookDeliveries[0]!.next_attempt_at! > new Date().toISOString())
  const started = Date.now()
  await sim.close()
  await sim.webhooksIdle()
  t.ok(Date.now() - started < 5000, 'close did not wait for the minute-long retry')
  t.equal(sim.webhookDeliveries[0]!.status, 'failed')
})
