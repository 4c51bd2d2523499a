// An app's formation on the Platform API (protocol §21.1): GET /apps/{app}/formation,
// GET|PATCH /apps/{app}/formation/{type} (body `{quantity?, size?}`), and the batch
// PATCH /apps/{app}/formation (body `{"updates": [{type, quantity?, size?}]}`). `{app}` is
// the app's id or name, `{type}` a process type or its formation id.
//
// Who may (§21.3): the partner token of an add-on on the app may read; it may change only
// while `partnerScaling` is 'allowed' (open in the reference, [UNCONFIRMED]). A user token
// must be the owner's: any app scope reads, `write`, `write-protected` or `global` changes.
// A changed process records its actor and fires `api:formation` webhooks (model/app-store.ts).
import { type SimReply, herokuError, jsonBody, ok } from '../sim-http.js'
import { canReadApps, canWriteApps } from '../model/oauth-scopes.js'
import type { SimApp, SimFormationProcess } from '../types.js'
import type { ApiCall } from './api-call.js'

export function handleFormationRoute (call: ApiCall, appParam: string, typeParam: string | undefined, path: string): SimReply {
  const { state, req } = call
  const app = state.appStore.find(appParam)
  if (!app) return herokuError(404, 'not_found', `Couldn't find that app: ${appParam}.`)
  const isWrite = req.method === 'PATCH'
  const denied = refusal(call, app, isWrite)
  if (denied) return denied

  if (typeParam === undefined) {
    if (req.method === 'GET') return ok(app.formation)
    if (req.method === 'PATCH') return batchUpdate(call, app)
  } else {
    const process = app.formation.find((p) => p.type === typeParam || p.id === typeParam)
    if (req.method === 'GET' || req.method === 'PATCH') {
      if (!process) return herokuError(404, 'not_found', `Couldn't find that process type (${typeParam}).`)
      return req.method === 'GET' ? ok(process) : singleUpdate(call, app, process)
    }
  }
  return herokuError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}.`)
}

function singleUpdate (call: ApiCall, app: SimApp, process: SimFormationProcess): SimReply {
  const parsed = jsonBody(call.req)
  if (!parsed.ok) return parsed.reply
  const body = parsed.value
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return herokuError(422, 'invalid_params', 'Body must be an object {"quantity"?, "size"?}.')
  // The single update's schema lists quantity and size without forbidding other keys: they are ignored.
  const { quantity, size } = body as { quantity?: unknown, size?: unknown }
  const item: Record<string, unknown> = { type: process.type }
  if (quantity !== undefined) item.quantity = quantity
  if (size !== undefined) item.size = size
  const result = change(call, app, [item], false)
  return result.status === 200 ? ok((result.body as SimFormationProcess[])[0]) : result
}

function batchUpdate (call: ApiCall, app: SimApp): SimReply {
  const parsed = jsonBody(call.req)
  if (!parsed.ok) return parsed.reply
  const body = parsed.value
  const updates = body !== null && typeof body === 'object' ? (body as { updates?: unknown }).updates : undefined
  if (!Array.isArray(updates)) return herokuError(422, 'invalid_params', 'Body must be {"updates": [{"type": ..., "quantity"?: ..., "size"?: ...}]}.')
  return change(call, app, updates, true)
}

function change (call: ApiCall, app: SimApp, items: unknown[], strictKeys: boolean): SimReply {
  const { state, principal } = call
  const checked = state.appStore.validate(app, items, strictKeys)
  if (!checked.ok) return herokuError(checked.status, checked.id, checked.message)
  return ok(state.appStore.apply(app, checked.updates, state.actorOf(principal), principal.kind))
}

function refusal (call: ApiCall, app: SimApp, isWrite: boolean): SimReply | undefined {
  const { state, principal } = call
  if (principal.kind === 'partner') {
    const addon = state.addons.get(principal.uuid)
    if (!addon || addon.app.id !== app.id || addon.state === 'deprovisioned') {
      return herokuError(403, 'forbidden', `This add-on's authorization does not grant access to app ${app.name}.`)
    }
    if (isWrite && state.partnerScaling === 'forbidden') {
      return herokuError(403, 'forbidden', `The add-on's authorization cannot change this app's formation (${app.name}); the app's owner must authorize a change.`)
    }
    return undefined
  }
  if (app.owner.id !== principal.userId) return herokuError(403, 'forbidden', `You do not have access to the app ${app.name}.`)
  if (isWrite && !canWriteApps(principal.scopes)) {
    return herokuError(403, 'forbidden', `This authorization's scope (${principal.scopes.join(', ')}) cannot change app ${app.name}; it needs write or global.`)
  }
  if (!isWrite && !canReadApps(principal.scopes)) {
    return herokuError(403, 'forbidden', `This authorization's scope (${principal.scopes.join(', ')}) cannot read app ${app.name}; it needs read, write or global.`)
  }
  return undefined
}
