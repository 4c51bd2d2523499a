// What a webhook delivery posts (protocol §21.4, heroku/webhooks-docs event examples): the
// event's envelope `{action, actor, created_at, id, data, previous_data, published_at,
// resource, sequence, updated_at, version}` and `webhook_metadata` naming this attempt,
// delivery, event (id and include) and webhook. The envelope's `id` is the event id, the
// same on every attempt and every delivery of the event: receivers de-duplicate on it.
import { randomUUID } from 'node:crypto'
import type { AppEvent } from '../model/app-store.js'
import type { SimActor } from '../types.js'

export interface WebhookEvent {
  id: string
  include: string
  created_at: string
  action: string
  actor: SimActor
  resource: string
  data: unknown
  previous_data: Record<string, unknown>
}

export function webhookEvent (e: AppEvent): WebhookEvent {
  return { id: randomUUID(), include: e.include, created_at: new Date().toISOString(), action: e.action, actor: { ...e.actor }, resource: e.resource, data: e.data, previous_data: e.previous_data }
}

export function envelopeBody (event: WebhookEvent, ids: { attempt: string, delivery: string, webhook: string }): string {
  return JSON.stringify({
    action: event.action,
    actor: event.actor,
    created_at: event.created_at,
    id: event.id,
    data: event.data,
    previous_data: event.previous_data,
    published_at: null,
    resource: event.resource,
    sequence: null,
    updated_at: event.created_at,
    version: 'application/vnd.heroku+json; version=3',
    webhook_metadata: {
      attempt: { id: ids.attempt },
      delivery: { id: ids.delivery },
      event: { id: event.id, include: event.include },
      webhook: { id: ids.webhook }
    }
  })
}
