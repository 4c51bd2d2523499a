// Heroku's apps in the sim (protocol §21.1): each has an owner, a formation (process types with
// a quantity and a size), the history of formation changes and its releases. Every change
// goes through `validate` then `apply`, whoever makes it (partner token, user token, or a
// person's `heroku ps:scale`), so the same rules hold and the same webhook events follow.
import { randomUUID } from 'node:crypto'
import type { SimActor, SimApp, SimFormationChange, SimFormationProcess, SimProcessInit, SimRelease, SimUser } from '../types.js'
import { SimError } from '../errors.js'
import { DEFAULT_DYNO_SIZE, dynoSize } from './dyno-sizes.js'

/** What happened to an app, for webhooks (webhooks/webhook-events.ts turns it into an envelope). */
export interface AppEvent {
  app: SimApp
  include: 'api:formation' | 'api:release'
  resource: 'formation' | 'release'
  action: 'create' | 'update' | 'destroy'
  actor: SimActor
  data: unknown
  previous_data: Record<string, unknown>
}

export interface ValidUpdate { process: SimFormationProcess, quantity: number, size: string }

export type Validation =
  | { ok: true, updates: ValidUpdate[] }
  | { ok: false, status: 404 | 422, id: 'not_found' | 'invalid_params', message: string }

const TYPE_PATTERN = /^[-\w]{1,128}$/
const BATCH_KEYS = new Set(['type', 'quantity', 'size'])

export const DEFAULT_FORMATION: SimProcessInit[] = [
  { type: 'web', quantity: 1, size: DEFAULT_DYNO_SIZE, command: 'npm start' },
  { type: 'worker', quantity: 0, size: DEFAULT_DYNO_SIZE, command: 'node worker.js' }
]

export class AppStore {
  readonly apps = new Map<string, SimApp>()

  constructor (private readonly initial: SimProcessInit[], private readonly emit: (event: AppEvent) => void) {
    // A formation option Heroku could not hold is the test's mistake: say so at start.
    for (const p of initial) {
      if (!TYPE_PATTERN.test(p.type) || !Number.isInteger(p.quantity) || p.quantity < 0 || (p.size !== undefined && !dynoSize(p.size))) {
        throw new SimError('SIM_INVALID_OPTION', `formation option: ${JSON.stringify(p)} is not a process type Heroku would hold`)
      }
    }
  }

  create (name: string, owner: SimUser): SimApp {
    const now = new Date().toISOString()
    const app: SimApp = { id: randomUUID(), name, owner, formation: [], formationHistory: [], releases: [] }
    app.formation = this.initial.map((p) => ({
      id: randomUUID(),
      type: p.type,
      quantity: p.quantity,
      size: dynoSize(p.size ?? DEFAULT_DYNO_SIZE)!.name,
      command: p.command ?? (p.type === 'web' ? 'npm start' : `node ${p.type}.js`),
      app: { id: app.id, name },
      created_at: now,
      updated_at: now
    }))
    this.apps.set(app.id, app)
    return app
  }

  /** By id or name, as `{app_id_or_name}` in Platform API paths. */
  find (idOrName: string): SimApp | undefined {
    const byId = this.apps.get(idOrName)
    if (byId) return byId
    for (const app of this.apps.values()) if (app.name === idOrName) return app
    return undefined
  }

  /**
   * Checks updates as Heroku does before applying any (a batch is all or nothing).
   * `strictKeys`: batch items allow only type, quantity and size (the schema's
   * additionalProperties: false); the single-type PATCH ignores other keys, as its schema does.
   */
  validate (app: SimApp, items: unknown[], strictKeys: boolean): Validation {
    const updates: ValidUpdate[] = []
    // What each type will be after the updates so far: a later item for the same type builds on it.
    const planned = new Map(app.formation.map((p) => [p.type, { quantity: p.quantity, size: p.size }]))
    for (const [i, item] of items.entries()) {
      const where = items.length > 1 || strictKeys ? `updates[${i}]` : 'body'
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return invalid(`${where} must be an object.`)
      const u = item as Record<string, unknown>
      if (strictKeys) {
        const extra = Object.keys(u).filter((k) => !BATCH_KEYS.has(k))
        if (extra.length > 0) return invalid(`${where} has unknown keys: ${extra.join(', ')}. Allowed: type, quantity, size.`)
      }
      if (typeof u.type !== 'string' || !TYPE_PATTERN.test(u.type)) return invalid(`${where}.type must be a process type name matching ^[-\\w]{1,128}$.`)
      if (u.quantity !== undefined && (typeof u.quantity !== 'number' || !Number.isInteger(u.quantity))) {
        return invalid(`Invalid quantity for ${u.type}: must be an integer.`)
      }
      if (typeof u.quantity === 'number' && u.quantity < 0) return invalid(`Invalid quantity for ${u.type}: must not be negative.`)
      if (u.size !== undefined && typeof u.size !== 'string') return invalid(`Invalid size for ${u.type}: must be a string.`)
      const process = app.formation.find((p) => p.type === u.type)
      if (!process) return { ok: false, status: 404, id: 'not_found', message: `Couldn't find that process type (${u.type}).` }
      const before = planned.get(process.type)!
      const size = dynoSize(u.size === undefined ? before.size : u.size)
      if (!size) return invalid(`Invalid dyno size ${JSON.stringify(u.size)}.`)
      const quantity = typeof u.quantity === 'number' ? u.quantity : before.quantity
      // The limit's wording is Heroku's as far as known; the exact 422 texts are [UNCONFIRMED] (§21.1).
      if (quantity > size.limit) return invalid(`Cannot update to more than ${size.limit} ${size.name} size dynos per process type.`)
      planned.set(process.type, { quantity, size: size.name })
      updates.push({ process, quantity, size: size.name })
    }
    const tiers = new Set([...planned.values()].map((p) => dynoSize(p.size)?.tier))
    if (tiers.size > 1) return invalid('Cannot mix Eco, Basic and Professional (Standard, Performance) dyno sizes in one app.')
    return { ok: true, updates }
  }

  /** Applies validated updates; a no-op update changes nothing and records nothing. */
  apply (app: SimApp, updates: ValidUpdate[], actor: SimActor, via: SimFormationChange['via']): SimFormationProcess[] {
    for (const { process, quantity, size } of updates) {
      const previous: SimFormationChange['previous'] = {}
      if (process.quantity !== quantity) previous.quantity = process.quantity
      if (process.size !== size) previous.size = process.size
      if (Object.keys(previous).length === 0) continue
      process.quantity = quantity
      process.size = size
      process.updated_at = new Date().toISOString()
      app.formationHistory.push({ at: process.updated_at, type: process.type, actor, via, previous, quantity, size })
      this.emit({ app, include: 'api:formation', resource: 'formation', action: 'update', actor, data: { ...process, app: { ...process.app } }, previous_data: { ...previous } })
    }
    return updates.map((u) => u.process)
  }

  /** A new release (a deploy, or an add-on's config change), and its `api:release` event. */
  release (app: SimApp, description: string, actor: SimActor, addonPlanNames: string[]): SimRelease {
    const now = new Date().toISOString()
    for (const r of app.releases) r.current = false
    const release: SimRelease = {
      id: randomUUID(),
      version: app.releases.length + 1,
      description,
      status: 'succeeded',
      current: true,
      app: { id: app.id, name: app.name },
      user: actor,
      addon_plan_names: addonPlanNames,
      slug: null,
      created_at: now,
      updated_at: now
    }
    app.releases.push(release)
    this.emit({ app, include: 'api:release', resource: 'release', action: 'create', actor, data: { ...release }, previous_data: {} })
    return release
  }
}

function invalid (message: string): Validation {
  return { ok: false, status: 422, id: 'invalid_params', message }
}
