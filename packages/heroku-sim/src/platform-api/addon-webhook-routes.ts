// Add-on webhook subscriptions on the Platform API (protocol §21.4, schema add-on-webhook and
// add-on-webhook-delivery): POST|GET /addons/{uuid}/webhooks, GET|PATCH|DELETE
// /addons/{uuid}/webhooks/{id}, GET /addons/{uuid}/webhook-deliveries[/{id}], with the
// add-on's partner token only. Create allows only include, level, url, authorization and
// secret (additionalProperties: false); update ignores other keys (strictProperties: false).
// Without a secret (or with `secret: null`) the sim generates one and returns it once, in
// the `Heroku-Webhook-Secret` header. The API never shows the secret or the authorization.
import { randomBytes, randomUUID } from 'node:crypto'
import { type SimReply, herokuError, jsonBody, ok } from '../sim-http.js'
import type { SimState } from '../model/sim-state.js'
import type { SimAddon, SimWebhook, SimWebhookDelivery } from '../types.js'
import type { ApiCall } from './api-call.js'

/** What partners may subscribe to (heroku/webhooks-docs README, "Partner Event Includes"). */
const INCLUDES = new Set(['api:addon-attachment', 'api:addon', 'api:app', 'api:build', 'api:collaborator', 'api:domain', 'api:dyno', 'api:formation', 'api:release', 'api:sni-endpoint', 'api:ssl-endpoint'])
/** These need Heroku's approval for partners (§21.4). */
const RESTRICTED = new Set(['api:build', 'api:dyno', 'api:formation', 'api:release'])
const CREATE_KEYS = new Set(['include', 'level', 'url', 'authorization', 'secret'])

export function handleAddonWebhookRoute (call: ApiCall, uuid: string, collection: string, id: string | undefined, path: string): SimReply {
  const { state, req, principal } = call
  if (principal.kind !== 'partner' || principal.uuid !== uuid) return herokuError(403, 'forbidden', `This token does not grant access to add-on ${uuid}'s webhooks.`)
  const addon = state.addons.get(uuid)
  if (!addon) return herokuError(404, 'not_found', `Couldn't find that add-on: ${uuid}.`)
  const route = `${req.method} ${collection}${id === undefined ? '' : '/:id'}`

  if (collection === 'webhook-deliveries') {
    const mine = state.dispatcher.deliveries.filter((d) => state.webhookOwners.get(d.webhook.id) === uuid)
    if (route === 'GET webhook-deliveries') return ok(mine.map(deliveryView))
    const delivery = mine.find((d) => d.id === id)
    if (route === 'GET webhook-deliveries/:id') return delivery ? ok(deliveryView(delivery)) : herokuError(404, 'not_found', `Couldn't find that webhook delivery: ${id}.`)
    return herokuError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}.`)
  }

  if (route === 'GET webhooks') return ok([...state.webhooks.values()].filter((h) => h.addon.id === uuid).map(webhookView))
  if (route === 'POST webhooks') return create(call, addon)
  const hook = id === undefined ? undefined : state.webhooks.get(id)
  if (!hook || hook.addon.id !== uuid) return herokuError(404, 'not_found', `Couldn't find that webhook: ${id}.`)
  switch (route) {
    case 'GET webhooks/:id': return ok(webhookView(hook))
    case 'PATCH webhooks/:id': return update(call, hook)
    case 'DELETE webhooks/:id':
      state.webhooks.delete(hook.id)
      return ok(webhookView(hook))
    default: return herokuError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}.`)
  }
}

function create (call: ApiCall, addon: SimAddon): SimReply {
  const { state } = call
  if (addon.state === 'deprovisioned') return herokuError(422, 'invalid_params', `Add-on ${addon.uuid} is deprovisioned.`)
  const parsed = jsonBody(call.req)
  if (!parsed.ok) return parsed.reply
  const body = parsed.value
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return herokuError(422, 'invalid_params', 'Body must be an object {include, level, url, authorization?, secret?}.')
  const b = body as Record<string, unknown>
  const extra = Object.keys(b).filter((k) => !CREATE_KEYS.has(k))
  if (extra.length > 0) return herokuError(422, 'invalid_params', `Unknown parameters: ${extra.join(', ')}.`)
  for (const key of ['include', 'level', 'url']) if (b[key] === undefined) return herokuError(422, 'invalid_params', `Missing required parameter: ${key}.`)
  const problem = fieldProblem(state, b)
  if (problem) return herokuError(422, 'invalid_params', problem)
  const now = new Date().toISOString()
  const generated = typeof b.secret === 'string' ? undefined : newSecret()
  const hook: SimWebhook = {
    id: randomUUID(),
    addon: { id: addon.uuid, name: addon.name },
    include: [...new Set(b.include as string[])],
    level: b.level as SimWebhook['level'],
    url: b.url as string,
    authorization: typeof b.authorization === 'string' ? b.authorization : null,
    secret: generated ?? (b.secret as string),
    created_at: now,
    updated_at: now
  }
  state.webhooks.set(hook.id, hook)
  state.webhookOwners.set(hook.id, addon.uuid)
  return { status: 201, body: webhookView(hook), headers: generated ? { 'Heroku-Webhook-Secret': generated } : undefined }
}

function update (call: ApiCall, hook: SimWebhook): SimReply {
  const parsed = jsonBody(call.req)
  if (!parsed.ok) return parsed.reply
  const body = parsed.value
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return herokuError(422, 'invalid_params', 'Body must be an object.')
  const b = body as Record<string, unknown>
  const problem = fieldProblem(call.state, b)
  if (problem) return herokuError(422, 'invalid_params', problem)
  if (b.include !== undefined) hook.include = [...new Set(b.include as string[])]
  if (b.level !== undefined) hook.level = b.level as SimWebhook['level']
  if (b.url !== undefined) hook.url = b.url as string
  if (b.authorization !== undefined) hook.authorization = b.authorization as string | null
  let generated: string | undefined
  if (typeof b.secret === 'string') hook.secret = b.secret
  else if (b.secret === null) hook.secret = generated = newSecret()
  hook.updated_at = new Date().toISOString()
  return { status: 200, body: webhookView(hook), headers: generated ? { 'Heroku-Webhook-Secret': generated } : undefined }
}

/** Checks the fields present; undefined when they are all acceptable. */
function fieldProblem (state: SimState, b: Record<string, unknown>): string | undefined {
  if (b.include !== undefined) {
    if (!Array.isArray(b.include) || b.include.length === 0 || !b.include.every((i) => typeof i === 'string')) return 'include must be a non-empty array of strings, e.g. ["api:formation"].'
    const unknown = b.include.filter((i) => !INCLUDES.has(i as string))
    if (unknown.length > 0) return `Unknown include: ${unknown.join(', ')}. Known: ${[...INCLUDES].join(', ')}.`
    // What Heroku answers an add-on without the approval is [UNCONFIRMED]; the sim says 422.
    const restricted = b.include.filter((i) => RESTRICTED.has(i as string))
    if (restricted.length > 0 && state.options.webhooks?.restrictedIncludesApproved === false) {
      return `This add-on is not approved for ${restricted.join(', ')}: ask Heroku for access.`
    }
  }
  if (b.level !== undefined && b.level !== 'notify' && b.level !== 'sync') return 'level must be "notify" or "sync".'
  if (b.url !== undefined && !isHttpUrl(b.url)) return 'url must be an absolute http:// or https:// URL.'
  if (b.authorization !== undefined && b.authorization !== null && typeof b.authorization !== 'string') return 'authorization must be a string or null.'
  if (b.secret !== undefined && b.secret !== null && (typeof b.secret !== 'string' || b.secret === '')) return 'secret must be a non-empty string or null.'
  return undefined
}

function isHttpUrl (v: unknown): boolean {
  if (typeof v !== 'string') return false
  try {
    const u = new URL(v)
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== ''
  } catch { return false }
}

/** 60 hex characters, the length of Heroku's documented example. */
function newSecret (): string {
  return randomBytes(30).toString('hex')
}

function webhookView (h: SimWebhook): Record<string, unknown> {
  return { addon: { ...h.addon }, created_at: h.created_at, id: h.id, include: [...h.include], level: h.level, updated_at: h.updated_at, url: h.url }
}

function deliveryView (d: SimWebhookDelivery): Record<string, unknown> {
  const last = d.attempts.at(-1)
  return {
    created_at: d.created_at,
    event: { ...d.event },
    id: d.id,
    num_attempts: d.num_attempts,
    next_attempt_at: d.next_attempt_at,
    last_attempt: last ? { id: last.id, code: last.code, error_class: last.error_class, status: last.status, created_at: last.created_at, updated_at: last.created_at } : null,
    status: d.status,
    updated_at: d.updated_at,
    webhook: { ...d.webhook }
  }
}
