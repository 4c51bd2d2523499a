// The add-on's own routes of the Platform API for Partners (protocol §5.2, §9, §15):
// GET /addons/{uuid}, GET|PATCH /addons/{uuid}/config, POST /addons/{uuid}/actions/provision
// and /actions/deprovision, for the add-on's partner token only (another add-on's token is
// 403). The app's owner may read the add-on with a user token; config and actions stay the
// provider's. A deprovisioned add-on can still be read, but config changes and
// actions/provision get 422. A config change after provisioning is a release of the app.
import { type SimReply, herokuError, jsonBody, ok } from '../sim-http.js'
import type { SimState } from '../model/sim-state.js'
import { canReadApps } from '../model/oauth-scopes.js'
import type { SimAddon } from '../types.js'
import type { ApiCall } from './api-call.js'

export function handleAddonRoute (call: ApiCall, uuid: string, sub: string, path: string): SimReply {
  const { state, req, principal } = call
  if (principal.kind === 'user') {
    const addon = state.addons.get(uuid)
    if (!addon) return herokuError(404, 'not_found', `Couldn't find that add-on: ${uuid}.`)
    const owner = state.apps.get(addon.app.id)?.owner.id === principal.userId
    if (req.method === 'GET' && sub === '' && owner && canReadApps(principal.scopes)) return ok(addonView(state, addon))
    return herokuError(403, 'forbidden', `This authorization does not grant access to ${req.method} ${path}; it is the add-on provider's.`)
  }
  if (principal.uuid !== uuid) return herokuError(403, 'forbidden', `This token does not grant access to add-on ${uuid}.`)
  const addon = state.addons.get(uuid)
  if (!addon) return herokuError(404, 'not_found', `Couldn't find that add-on: ${uuid}.`)

  switch (`${req.method} ${sub}`) {
    case 'GET ': return ok(addonView(state, addon))
    case 'GET /config': return ok(configView(addon))
    case 'PATCH /config': return patchConfig(call, addon)
    case 'POST /actions/provision': return provisionAction(state, addon)
    case 'POST /actions/deprovision':
      addon.state = 'deprovisioned'
      return ok(addonView(state, addon))
    default: return herokuError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}.`)
  }
}

function patchConfig (call: ApiCall, addon: SimAddon): SimReply {
  const { state } = call
  if (addon.state === 'deprovisioned') return herokuError(422, 'invalid_params', `Add-on ${addon.uuid} is deprovisioned.`)
  const parsed = jsonBody(call.req)
  if (!parsed.ok) return parsed.reply
  const body = parsed.value
  const items = (body !== null && typeof body === 'object' ? (body as { config?: unknown }).config : undefined)
  if (!Array.isArray(items)) return herokuError(422, 'invalid_params', 'Body must be {"config": [{"name": ..., "value": ...}]}.')
  const allowed = new Set(state.options.manifest.api.config_vars)
  const changes: Array<{ name: string, value: string | null }> = []
  for (const [i, item] of items.entries()) {
    const { name, value } = (item ?? {}) as { name?: unknown, value?: unknown }
    if (typeof name !== 'string') return herokuError(422, 'invalid_params', `config[${i}].name must be a string.`)
    if (!allowed.has(name)) return herokuError(422, 'invalid_params', `Config var ${name} is not declared in the add-on manifest.`)
    if (typeof value !== 'string' && value !== null) return herokuError(422, 'invalid_params', `config[${i}].value must be a string or null.`)
    changes.push({ name, value })
  }
  let changed = false
  for (const { name, value } of changes) {
    if (value === null) {
      if (name in addon.config) { delete addon.config[name]; changed = true }
    } else if (addon.config[name] !== value) {
      addon.config[name] = value
      changed = true
    }
  }
  // Config changes only restart the app once the add-on is provisioned (§5.1, §9.5).
  if (changed && addon.state === 'provisioned') {
    addon.releases++
    state.addonConfigRelease(addon)
  }
  return ok(configView(addon))
}

function provisionAction (state: SimState, addon: SimAddon): SimReply {
  if (addon.state === 'deprovisioned' || addon.state === 'deprovisioning') {
    return herokuError(422, 'invalid_params', `Add-on ${addon.uuid} is ${addon.state} and cannot be provisioned.`)
  }
  addon.state = 'provisioned'
  return ok(addonView(state, addon))
}

function configView (addon: SimAddon): Array<{ name: string, value: string }> {
  return Object.entries(addon.config).map(([name, value]) => ({ name, value }))
}

function addonView (state: SimState, addon: SimAddon): Record<string, unknown> {
  const service = state.options.manifest.id
  return {
    id: addon.uuid,
    name: addon.name,
    state: addon.state,
    provider_id: addon.providerId ?? null,
    config_vars: Object.keys(addon.config),
    addon_service: { id: service, name: service },
    plan: { id: `${service}:${addon.plan}`, name: `${service}:${addon.plan}` },
    app: { ...addon.app },
    web_url: state.webUrl(addon),
    billed_price: { cents: 0, contract: false, unit: 'month' }
  }
}
