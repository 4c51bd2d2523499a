// The Autoscaling page's settings form: the fields a customer edits (on/off, bounds, metric,
// thresholds, step and timings) read from the urlencoded body and merged over the saved
// policy, so the fields the form does not show (schedules, time zone, breach_s, holds) stay
// as they are. packages/autoscale's validatePolicy judges the result, as it does for the
// data API; its { field, reason } list is shown beside each field.
import { METRIC_DEFAULTS, METRICS, PROCESS_TYPE, validatePolicy, type FieldError, type MetricName, type Policy } from '@addonkit/autoscale'

/** The fields of the form, in the order shown, with the policy's field names. */
export const FORM_FIELDS = ['enabled', 'min', 'max', 'metric', 'upscale_above', 'downscale_below', 'upscale_jump', 'upscale_cooldown_s', 'downscale_delay_s'] as const
export type FormField = typeof FORM_FIELDS[number]

/** What the form shows: the values as typed (strings) and the reasons per field. */
export interface PolicyFormState {
  /** By field name (the add form's process_type too). */
  values: Record<string, string>
  errors: FieldError[]
}

export type FormBody = Record<string, unknown>

const NUMBER = /^[+-]?\d{1,12}(\.\d{1,9})?$/

function text (v: unknown): string {
  return typeof v === 'string' ? v.trim() : ''
}

/** The values a saved policy (or a new one) shows in the form. */
export function formValues (p: Policy): Record<FormField, string> {
  return {
    enabled: p.enabled ? 'on' : 'off',
    min: String(p.min),
    max: String(p.max),
    metric: p.metric,
    upscale_above: String(p.upscale_above),
    downscale_below: String(p.downscale_below),
    upscale_jump: String(p.upscale_jump),
    upscale_cooldown_s: String(p.upscale_cooldown_s),
    downscale_delay_s: String(p.downscale_delay_s)
  }
}

/** A new process type's policy before it is saved: off (observe), 1 to 2 dynos, the default metric. */
export function newPolicy (): Policy {
  const v = validatePolicy({ enabled: false, min: 1, max: 2 })
  if (!v.ok) throw new Error('the default policy does not validate')
  return v.policy
}

export interface FormResult {
  /** The values as typed, to show again when refused. */
  values: Record<FormField, string>
  /** The policy to save; null when refused. */
  policy: Policy | null
  errors: FieldError[]
}

/**
 * The policy the form asks for, over `saved` (the stored policy, or a new one's defaults).
 * An empty number field takes the policy's default. When the metric changes and both
 * thresholds are left as they were, they become the new metric's defaults: thresholds of
 * another unit (ms against requests per minute) would never make sense.
 */
export function policyFromForm (body: FormBody, saved: Policy): FormResult {
  const values = Object.fromEntries(FORM_FIELDS.map((f) => [f, text(body[f])])) as Record<FormField, string>
  const input: Record<string, unknown> = { ...saved }
  input.enabled = values.enabled === 'on' ? true : values.enabled === 'off' ? false : values.enabled === '' ? undefined : values.enabled
  for (const f of ['min', 'max', 'upscale_above', 'downscale_below', 'upscale_jump', 'upscale_cooldown_s', 'downscale_delay_s'] as const) {
    const v = values[f]
    input[f] = v === '' ? undefined : NUMBER.test(v) ? Number(v) : v
  }
  input.metric = values.metric === '' ? undefined : values.metric
  const metric = values.metric as MetricName
  if (metric !== saved.metric && (METRICS as readonly string[]).includes(metric) &&
      input.upscale_above === saved.upscale_above && input.downscale_below === saved.downscale_below) {
    input.upscale_above = METRIC_DEFAULTS[metric].upscale_above
    input.downscale_below = METRIC_DEFAULTS[metric].downscale_below
  }
  for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k]
  const v = validatePolicy(input)
  return v.ok ? { values, policy: v.policy, errors: [] } : { values, policy: null, errors: v.errors }
}

/** A process type to add: Heroku's names (letters, digits, - and _), not one that already has a policy. */
export function processTypeProblem (type: string, existing: readonly string[]): string | null {
  if (type === '') return 'is required (for example worker)'
  if (!PROCESS_TYPE.test(type)) return 'may hold only letters, digits, - and _ (at most 128)'
  if (existing.includes(type)) return 'already has a policy: change it in its own section'
  return null
}
