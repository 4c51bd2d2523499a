// The partner subset of api.heroku.com the sim serves under {apiUrl} (spec §5.2, §9, §15):
// GET /addons/{uuid}, GET|PATCH /addons/{uuid}/config, POST /addons/{uuid}/actions/provision
// and /actions/deprovision. Strict like Heroku: exact Accept header, a live bearer token
// bound to this add-on, config names from the manifest only. A deprovisioned add-on can
// still be read, but config changes and actions/provision get 422.
import { type SimReply, type SimRequest, herokuError, mediaType, ok } from '../sim-http.js'
import type { SimState } from '../model/sim-state.js'
import type { SimAddon } from '../types.js'

export const HEROKU_ACCEPT = 'application/vnd.heroku+json; version=3'

const ROUTE = /^\/addons\/([^/]+)(\/config|\/actions\/provision|\/actions\/deprovision)?$/

/** `path` is relative to the API prefix. */
export function handlePlatformApi (state: SimState, req: SimRequest, path: string): SimReply {
  const m = ROUTE.exec(path)
  if (!m) return herokuError(404, 'not_found', `No such resource: ${path}`)
  const uuid = decodeURIComponent(m[1]!)
  const sub = m[2] ?? ''

  if (req.headers.accept !== HEROKU_ACCEPT) {
    return herokuError(406, 'not_acceptable', `Accept must be exactly "${HEROKU_ACCEPT}", got ${JSON.stringify(req.headers.accept ?? null)}.`)
  }
  const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
  const token = state.checkAccessToken(bearer)
  if (!token.ok) {
    const why = { missing: 'No bearer token provided.', unknown: 'Invalid credentials provided.', expired: 'The access token has expired.' }[token.reason]
    return herokuError(401, 'unauthorized', why)
  }
  if (token.uuid !== uuid) return herokuError(403, 'forbidden', `This token does not grant access to add-on ${uuid}.`)
  const addon = state.addons.get(uuid)
  if (!addon) return herokuError(404, 'not_found', `Couldn't find that add-on: ${uuid}.`)

  const route = `${req.method} ${sub}`
  switch (route) {
    case 'GET ': return ok(addonView(state, addon))
    case 'GET /config': return ok(configView(addon))
    case 'PATCH /config': return patchConfig(state, req, addon)
    case 'POST /actions/provision': return provisionAction(state, addon)
    case 'POST /actions/deprovision':
      addon.state = 'deprovisioned'
      return ok(addonView(state, addon))
    default: return herokuError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}.`)
  }
}

function patchConfig (state: SimState, req: SimRequest, addon: SimAddon): SimReply {
  if (addon.state === 'deprovisioned') return herokuError(422, 'invalid_params', `Add-on ${addon.uuid} is deprovisioned.`)
  if (mediaType(req.headers['content-type']) !== 'application/json') {
    return herokuError(415, 'unsupported_media_type', 'Content-Type must be application/json.')
  }
  let body: unknown
  try { body = JSON.parse(req.raw.toString('utf8')) } catch { return herokuError(400, 'bad_request', 'Invalid JSON body.') }
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
  if (changed && addon.state === 'provisioned') addon.releases++
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
