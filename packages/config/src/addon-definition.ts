// The add-on definition: one versioned JSON file (addon.json) that declares the add-on,
// its config vars, regions, required Heroku features and plans. Secrets never live in it.
// Validation reports the first problem with the JSON pointer of the field at fault.
import { readFileSync } from 'node:fs'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { AddonDefinitionError } from './errors.js'
import { REGION_LOCATIONS } from './regions.js'

/** Resource drivers and the plan limits each one understands. */
export const DRIVER_LIMITS = {
  logs: ['retention_days', 'lines_per_day', 'requests_per_minute', 'storage_mb'],
  postgres: ['connection_limit', 'statement_timeout_ms', 'storage_mb']
} as const satisfies Record<string, readonly string[]>
export type DriverName = keyof typeof DRIVER_LIMITS

const Slug = Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 64 })

const PlanSchema = Type.Object({
  slug: Slug,
  name: Type.String({ minLength: 1 }),
  price_cents_per_month: Type.Integer({ minimum: 0 }),
  driver: Type.String(),
  limits: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  description: Type.Optional(Type.String())
}, { additionalProperties: false })

const OptionSchema = Type.Object({
  type: Type.Union([Type.Literal('string'), Type.Literal('integer'), Type.Literal('boolean')]),
  min: Type.Optional(Type.Integer()),
  max: Type.Optional(Type.Integer()),
  enum: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  description: Type.String()
}, { additionalProperties: false })

export const AddonDefinitionSchema = Type.Object({
  $schema: Type.Optional(Type.String()),
  version: Type.Literal(1),
  id: Slug,
  name: Type.String({ minLength: 1 }),
  config_vars_prefix: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
  config_vars: Type.Array(Type.String(), { minItems: 0 }),
  regions: Type.Array(Type.String(), { minItems: 1 }),
  requires: Type.Array(Type.Union([Type.Literal('syslog_drain'), Type.Literal('log_input'), Type.Literal('many_per_app')])),
  options: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), OptionSchema)),
  plans: Type.Array(PlanSchema, { minItems: 1 })
}, { additionalProperties: false })

export type AddonDefinition = Static<typeof AddonDefinitionSchema>
export type PlanDefinition = Static<typeof PlanSchema>
export type OptionDefinition = Static<typeof OptionSchema>

/** Validates a parsed definition; throws AddonDefinitionError naming the field. */
export function validateAddonDefinition (raw: unknown): AddonDefinition {
  const first = Value.Errors(AddonDefinitionSchema, raw).First()
  if (first) throw new AddonDefinitionError(first.path, first.message)
  const def = raw as AddonDefinition
  const prefix = def.config_vars_prefix + '_'
  def.config_vars.forEach((name, i) => {
    if (!/^[A-Z][0-9A-Z_]+$/.test(name)) throw new AddonDefinitionError(`/config_vars/${i}`, `"${name}" must match ^[A-Z][0-9A-Z_]+$`)
    if (!name.startsWith(prefix)) throw new AddonDefinitionError(`/config_vars/${i}`, `"${name}" must start with the prefix ${prefix}`)
    if (def.config_vars.indexOf(name) !== i) throw new AddonDefinitionError(`/config_vars/${i}`, `"${name}" is listed twice`)
  })
  def.regions.forEach((region, i) => {
    if (region !== '*' && !(region in REGION_LOCATIONS)) throw new AddonDefinitionError(`/regions/${i}`, `unknown Heroku region "${region}"; known: ${Object.keys(REGION_LOCATIONS).join(', ')}`)
  })
  const seen = new Set<string>()
  def.plans.forEach((plan, i) => {
    if (seen.has(plan.slug)) throw new AddonDefinitionError(`/plans/${i}/slug`, `duplicate plan slug "${plan.slug}"`)
    seen.add(plan.slug)
    if (!(plan.driver in DRIVER_LIMITS)) throw new AddonDefinitionError(`/plans/${i}/driver`, `unknown driver "${plan.driver}"; known: ${Object.keys(DRIVER_LIMITS).join(', ')}`)
    const allowed: readonly string[] = DRIVER_LIMITS[plan.driver as DriverName]
    for (const key of Object.keys(plan.limits)) {
      if (!allowed.includes(key)) throw new AddonDefinitionError(`/plans/${i}/limits/${key}`, `driver "${plan.driver}" has no limit "${key}"; known: ${allowed.join(', ')}`)
    }
    for (const key of allowed) {
      if (!(key in plan.limits)) throw new AddonDefinitionError(`/plans/${i}/limits`, `missing limit "${key}" for driver "${plan.driver}"`)
    }
    const needed = driverConfigVars(plan.driver as DriverName, def.config_vars_prefix)
    for (const v of needed) {
      if (!def.config_vars.includes(v)) throw new AddonDefinitionError('/config_vars', `plan "${plan.slug}" uses driver "${plan.driver}", which sets ${v}; add it to config_vars`)
    }
  })
  for (const [name, opt] of Object.entries(def.options ?? {})) {
    if (opt.min !== undefined && opt.max !== undefined && opt.min > opt.max) throw new AddonDefinitionError(`/options/${name}`, 'min is greater than max')
  }
  return def
}

/** The config vars a driver returns, under the add-on's prefix. */
export function driverConfigVars (driver: DriverName, prefix: string): string[] {
  return driver === 'logs' ? [`${prefix}_URL`] : [`${prefix}_DATABASE_URL`]
}

/** Reads and validates a definition file; JSON syntax errors are reported too. */
export function loadAddonDefinition (file: string): AddonDefinition {
  let text: string
  try { text = readFileSync(file, 'utf8') } catch (err) {
    throw new AddonDefinitionError('', `cannot read ${file}: ${(err as Error).message}`)
  }
  let raw: unknown
  try { raw = JSON.parse(text) } catch (err) {
    throw new AddonDefinitionError('', `${file} is not valid JSON: ${(err as Error).message}`)
  }
  return validateAddonDefinition(raw)
}

export function findPlan (def: AddonDefinition, slug: string): PlanDefinition | undefined {
  return def.plans.find((p) => p.slug === slug)
}

/**
 * Checks customer-supplied provision options (protocol §4.1: values arrive as strings, bare
 * CLI flags as booleans). Returns the normalised options or a message a customer can act on.
 * Options are free-form on Heroku's side (§4.1: whatever the customer passed after `--`), and
 * the protocol's own example of a valid provision carries options no particular add-on
 * declares: an option this add-on does not declare is ignored (returned in `ignored`, for
 * the audit trail), not refused. A declared option with a bad value is refused (§4.5).
 */
export function checkOptions (def: AddonDefinition, options: Record<string, unknown>): { ok: true, value: Record<string, string | number | boolean>, ignored: string[] } | { ok: false, message: string } {
  const known = def.options ?? {}
  const out: Record<string, string | number | boolean> = {}
  const ignored: string[] = []
  for (const [key, value] of Object.entries(options)) {
    const spec = Object.hasOwn(known, key) ? known[key] : undefined
    if (!spec) {
      ignored.push(key)
      continue
    }
    if (spec.type === 'boolean') {
      if (value === true || value === 'true') out[key] = true
      else if (value === false || value === 'false') out[key] = false
      else return { ok: false, message: `Option "${key}" must be true or false.` }
    } else if (spec.type === 'integer') {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN
      if (!Number.isSafeInteger(n)) return { ok: false, message: `Option "${key}" must be a whole number.` }
      if (spec.min !== undefined && n < spec.min) return { ok: false, message: `Option "${key}" must be at least ${spec.min}.` }
      if (spec.max !== undefined && n > spec.max) return { ok: false, message: `Option "${key}" must be at most ${spec.max}.` }
      out[key] = n
    } else {
      if (typeof value !== 'string') return { ok: false, message: `Option "${key}" must be text.` }
      if (spec.enum && !spec.enum.includes(value)) return { ok: false, message: `Option "${key}" must be one of: ${spec.enum.join(', ')}.` }
      out[key] = value
    }
  }
  return { ok: true, value: out, ignored }
}
