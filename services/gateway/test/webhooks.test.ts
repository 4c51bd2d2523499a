// POST /heroku/webhooks/{uuid} (protocol §21.4): signed deliveries, each event acted on once,
// also when deliveries of one event arrive together.
import { createHmac, randomUUID } from 'node:crypto'
import t from 'tap'
import { contexts } from '@addonkit/secrets'
import { eventually } from '@addonkit/testkit'
import { startStack } from './helper.js'

t.test('webhook deliveries', async (t) => {
  const s = await startStack(t)
  const p = await s.heroku.provision()
  t.equal(p.status, 200)
  const app = await eventually(async () => {
    const r = await s.db.pool.query<{ webhook_secret_enc: string | null }>('SELECT webhook_secret_enc FROM autoscale_apps WHERE instance_uuid = $1', [p.uuid])
    return r.rows[0]?.webhook_secret_enc ? r.rows[0] : undefined
  })
  const secret = s.keyRing.open(app.webhook_secret_enc!, contexts.oauth(p.uuid, 'webhook'))
  const post = (body: string, signature = createHmac('sha256', secret).update(body).digest('base64')) =>
    fetch(`${s.gatewayUrl}/heroku/webhooks/${p.uuid}`, { method: 'POST', headers: { 'content-type': 'application/json', 'heroku-webhook-hmac-sha256': signature }, body })
  const formation = (eventId: string, to: number) => JSON.stringify({
    id: randomUUID(), action: 'update', resource: 'formation', created_at: new Date().toISOString(),
    actor: { email: 'someone@example.com', id: randomUUID() },
    data: { type: 'web', quantity: to, size: 'standard-1X', updated_at: new Date().toISOString() },
    previous_data: { quantity: to - 1 },
    webhook_metadata: { event: { id: eventId } }
  })
  const changes = async () => (await s.db.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE instance_uuid = $1 AND event = 'formation_changed_by_person'", [p.uuid])).rows[0].n as number

  t.test('a bad signature → 401, and nothing is applied', async (t) => {
    const res = await post(formation(randomUUID(), 2), 'bm90IHRoZSBzaWduYXR1cmU=')
    t.equal(res.status, 401)
    t.equal(await changes(), 0)
  })

  t.test('one event delivered eight times at once is applied once', async (t) => {
    const body = formation(randomUUID(), 3)
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(body)))
    t.same(answers.map((r) => r.status), Array(8).fill(204))
    t.equal(await changes(), 1, 'one change by a person recorded')
    const again = await post(body)
    t.equal(again.status, 204, 'a later retry is acknowledged')
    t.equal(await changes(), 1, 'and not applied')
    const state = await s.db.pool.query('SELECT quantity, last_change_by FROM autoscale_state WHERE instance_uuid = $1 AND process_type = $2', [p.uuid, 'web'])
    t.match(state.rows[0], { quantity: 3, last_change_by: 'person' })
  })

  t.test('another event is applied', async (t) => {
    t.equal((await post(formation(randomUUID(), 5))).status, 204)
    t.equal(await changes(), 2)
  })
})
