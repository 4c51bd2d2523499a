// POST /heroku/webhooks/{uuid}: the add-on's webhook deliveries from Heroku (protocol §21.4),
// the app's formation and release events. The signature (Heroku-Webhook-Hmac-SHA256, a
// base64 HMAC-SHA256 of the raw body with the secret made at subscription) is checked in
// constant time over the bytes as received; an event is acted on once, by its id (sync
// deliveries are retried, and may be replayed; two at once wait for each other); the answer
// comes at once. A formation
// change that is not the autoscaler's own is a person's and pauses autoscaling; a release
// holds it (packages/autoscale decide.ts).
import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { KeyRing } from '@addonkit/secrets'
import { contexts, safeEqual } from '@addonkit/secrets'
import { loadApp, loadStates, noteChange, noteFormation, saveApp } from '@addonkit/lifecycle'
import { withClient } from '@addonkit/db'
import { ErrorReply } from './schemas.js'

const Params = Type.Object({ uuid: Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }) })

/** How long after our own change a matching formation event is taken for its echo. */
const OWN_CHANGE_MS = 10 * 60_000

export default async function webhookRoutes (app: FastifyInstance, opts: { keyRing: KeyRing }) {
  // The signature is over the raw bytes: take the body unparsed, whatever its type says.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (_req, body, done) => { done(null, body) })

  app.post<{ Params: { uuid: string } }>('/heroku/webhooks/:uuid', {
    logLevel: 'warn',
    schema: { params: Params, response: { '4xx': ErrorReply } }
  }, async (req, reply) => {
    const uuid = req.params.uuid.toLowerCase()
    const record = await loadApp(app.db, uuid)
    if (!record?.webhookSecretEnc) return reply.code(404).send({ code: 'GW_NOT_FOUND', message: 'No webhook subscription for this add-on.' })
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const secret = opts.keyRing.open(record.webhookSecretEnc, contexts.oauth(uuid, 'webhook'))
    const sent = String(req.headers['heroku-webhook-hmac-sha256'] ?? '')
    const expected = createHmac('sha256', secret).update(raw).digest('base64')
    if (!safeEqual(sent, expected)) {
      req.log.warn({ instanceUuid: uuid }, 'webhook with a bad signature refused')
      return reply.code(401).send({ code: 'GW_BAD_SIGNATURE', message: 'The Heroku-Webhook-Hmac-SHA256 signature does not match.' })
    }
    let event: WebhookEnvelope
    try { event = JSON.parse(raw.toString('utf8')) as WebhookEnvelope } catch { return reply.code(400).send({ code: 'GW_BAD_REQUEST', message: 'The body is not JSON.' }) }
    const eventId = String(event?.webhook_metadata?.event?.id ?? event?.id ?? '')
    if (!/^[\w-]{1,100}$/.test(eventId)) return reply.code(400).send({ code: 'GW_BAD_REQUEST', message: 'The event has no id.' })
    // Once per event id, also when two deliveries of one event arrive together (a sync retry
    // while the first attempt is still running, or two gateway replicas): the check, the
    // change and its record run under the event's advisory lock, a session lock on a
    // connection of its own, so the second waits and then finds the record. Recorded after
    // the change: a gateway that dies in between leaves no record and no lock, and Heroku's
    // retry applies the event (at least once, never twice at once).
    await withClient(app.db.pool, async (client, markBroken) => {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`webhook:${eventId}`])
      try {
        const seen = await client.query('SELECT 1 FROM webhook_events WHERE event_id = $1', [eventId])
        if ((seen.rowCount ?? 0) > 0) return
        await apply(app, uuid, event)
        await client.query('INSERT INTO webhook_events (event_id, instance_uuid, resource) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [eventId, uuid, String(event.resource ?? '')])
      } finally {
        // A connection whose unlock failed may still hold the lock: it is closed, not pooled.
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`webhook:${eventId}`]).catch(markBroken)
      }
    })
    return reply.code(204).send()
  })
}

interface WebhookEnvelope {
  id?: string
  action?: string
  resource?: string
  created_at?: string
  actor?: { email?: string, id?: string }
  data?: { type?: string, quantity?: number, size?: string, updated_at?: string }
  previous_data?: { quantity?: number }
  webhook_metadata?: { event?: { id?: string } }
}

async function apply (app: FastifyInstance, uuid: string, e: WebhookEnvelope): Promise<void> {
  const at = Number.isFinite(Date.parse(e.created_at ?? '')) ? new Date(e.created_at!) : new Date()
  if (e.resource === 'release') {
    const known = await loadApp(app.db, uuid)
    if (!known?.lastReleaseAt || known.lastReleaseAt < at) await saveApp(app.db, uuid, { lastReleaseAt: at })
    return
  }
  if (e.resource !== 'formation' || typeof e.data?.type !== 'string' || !Number.isInteger(e.data.quantity)) return
  const type = e.data.type
  const to = e.data.quantity!
  const state = (await loadStates(app.db, uuid)).find((s) => s.processType === type)
  const ours = state?.lastChange?.by === 'autoscaler' && state.lastChange.to === to && at.getTime() - state.lastChange.at.getTime() < OWN_CHANGE_MS
  if (ours || state?.quantity === to) { await noteFormation(app.db, uuid, type, to, e.data.size ?? null, at); return }
  const from = Number.isInteger(e.previous_data?.quantity) ? e.previous_data!.quantity! : state?.quantity ?? to
  await noteChange(app.db, uuid, type, { at, from, to, by: 'person' })
}
