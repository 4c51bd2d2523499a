// An autoscaling policy for one process type, the field names fixed by the data API
// (`GET /v1/autoscaling`, `PUT /v1/autoscaling/{process_type}`), its defaults, and its
// validation: a list of { field, reason } a customer can act on.

export const METRICS = ['service_p95', 'queue_p95', 'requests_per_dyno', 'load'] as const
export type MetricName = typeof METRICS[number]

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Day = typeof DAYS[number]

/** A time window, in the policy's time zone, whose min and max replace the policy's. */
export interface Schedule {
  /** Days the window starts on; default every day. */
  days?: Day[]
  /** `HH:MM`, 24-hour; a window whose `to` is earlier than `from` runs past midnight. */
  from: string
  to: string
  min?: number
  max?: number
}

export interface Policy {
  /** Off: decisions are made and shown (what it would do) but the formation is not changed. */
  enabled: boolean
  min: number
  max: number
  metric: MetricName
  /** In the metric's unit: ms (service_p95, queue_p95), requests per minute per dyno, or load. */
  upscale_above: number
  downscale_below: number
  /** Dynos added at once. */
  upscale_jump: number
  /** Seconds after any scale event before the next upscale. */
  upscale_cooldown_s: number
  /** Seconds the metric must stay below downscale_below (and since the last scale event) before a downscale. */
  downscale_delay_s: number
  /** Seconds over which the metric is read for an upscale (the breach must last this long). */
  breach_s: number
  /** IANA time zone of the schedules. */
  timezone: string
  schedules: Schedule[]
  /** Seconds without scaling after a release (a deploy restarts dynos and skews the metric). */
  release_hold_s: number
  /** Seconds without scaling this process type after a person changed its formation. */
  manual_pause_s: number
}

/** Thresholds per metric when none are given: units differ (ms, requests per minute per dyno, load). */
export const METRIC_DEFAULTS: Record<MetricName, { upscale_above: number, downscale_below: number }> = {
  service_p95: { upscale_above: 500, downscale_below: 200 },
  queue_p95: { upscale_above: 100, downscale_below: 20 },
  requests_per_dyno: { upscale_above: 1200, downscale_below: 400 },
  load: { upscale_above: 1.5, downscale_below: 0.5 }
}

export const METRIC_UNITS: Record<MetricName, string> = { service_p95: 'ms', queue_p95: 'ms', requests_per_dyno: 'rpm/dyno', load: '' }

export const POLICY_DEFAULTS = {
  metric: 'service_p95' as MetricName,
  upscale_jump: 1,
  upscale_cooldown_s: 60,
  downscale_delay_s: 600,
  breach_s: 30,
  timezone: 'UTC',
  release_hold_s: 300,
  manual_pause_s: 1800
}

/** Heroku's own ceiling for one process type of a standard app (formation quantity). */
export const MAX_DYNOS = 100

export interface FieldError { field: string, reason: string }

export type PolicyResult = { ok: true, policy: Policy } | { ok: false, errors: FieldError[] }

const FIELDS = new Set(['enabled', 'min', 'max', 'metric', 'upscale_above', 'downscale_below', 'upscale_jump', 'upscale_cooldown_s', 'downscale_delay_s', 'breach_s', 'timezone', 'schedules', 'release_hold_s', 'manual_pause_s'])
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/

export const PROCESS_TYPE = /^[-\w]{1,128}$/

export function isTimeZone (tz: string): boolean {
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true } catch { return false }
}

/**
 * Validates a policy as the data API receives it. Unknown fields are refused (a typo must
 * not be ignored silently); optional fields take their defaults.
 */
export function validatePolicy (input: unknown): PolicyResult {
  const errors: FieldError[] = []
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: [{ field: '(body)', reason: 'must be a JSON object' }] }
  const o = input as Record<string, unknown>
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) errors.push({ field: k, reason: `unknown field; known: ${[...FIELDS].join(', ')}` })
  const int = (field: string, lo: number, hi: number, dflt?: number): number => {
    const v = o[field]
    if (v === undefined) {
      if (dflt === undefined) errors.push({ field, reason: 'is required' })
      return dflt ?? 0
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) { errors.push({ field, reason: 'must be a whole number' }); return dflt ?? 0 }
    if (v < lo || v > hi) { errors.push({ field, reason: `must be between ${lo} and ${hi}` }); return dflt ?? 0 }
    return v
  }
  const num = (field: string, dflt: number): number => {
    const v = o[field]
    if (v === undefined) return dflt
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1e9) { errors.push({ field, reason: 'must be a number greater than 0' }); return dflt }
    return v
  }
  if (typeof o.enabled !== 'boolean') errors.push({ field: 'enabled', reason: o.enabled === undefined ? 'is required' : 'must be true or false' })
  const min = int('min', 0, MAX_DYNOS)
  const max = int('max', 0, MAX_DYNOS)
  if (Number.isInteger(o.min) && Number.isInteger(o.max) && min > max) errors.push({ field: 'min', reason: `must not be greater than max (${min} > ${max})` })
  let metric = POLICY_DEFAULTS.metric
  if (o.metric !== undefined) {
    if (typeof o.metric !== 'string' || !(METRICS as readonly string[]).includes(o.metric)) errors.push({ field: 'metric', reason: `unknown metric ${JSON.stringify(o.metric)}; one of ${METRICS.join(', ')}` })
    else metric = o.metric as MetricName
  }
  const d = METRIC_DEFAULTS[metric]
  const above = num('upscale_above', d.upscale_above)
  const below = num('downscale_below', d.downscale_below)
  if (below >= above) errors.push({ field: 'downscale_below', reason: `must be less than upscale_above (${below} ≥ ${above})` })
  const jump = int('upscale_jump', 1, MAX_DYNOS, POLICY_DEFAULTS.upscale_jump)
  const cooldown = int('upscale_cooldown_s', 0, 3600, POLICY_DEFAULTS.upscale_cooldown_s)
  const delay = int('downscale_delay_s', 0, 86_400, POLICY_DEFAULTS.downscale_delay_s)
  const breach = int('breach_s', 10, 3600, POLICY_DEFAULTS.breach_s)
  const hold = int('release_hold_s', 0, 86_400, POLICY_DEFAULTS.release_hold_s)
  const pause = int('manual_pause_s', 0, 7 * 86_400, POLICY_DEFAULTS.manual_pause_s)
  let timezone = POLICY_DEFAULTS.timezone
  if (o.timezone !== undefined) {
    if (typeof o.timezone !== 'string' || !isTimeZone(o.timezone)) errors.push({ field: 'timezone', reason: `unknown time zone ${JSON.stringify(o.timezone)} (an IANA name such as Europe/Paris)` })
    else timezone = o.timezone
  }
  const schedules: Schedule[] = []
  if (o.schedules !== undefined) {
    if (!Array.isArray(o.schedules) || o.schedules.length > 20) errors.push({ field: 'schedules', reason: 'must be a list of at most 20 windows' })
    else {
      o.schedules.forEach((s: unknown, i: number) => {
        const where = `schedules[${i}]`
        if (s === null || typeof s !== 'object' || Array.isArray(s)) { errors.push({ field: where, reason: 'must be an object' }); return }
        const w = s as Record<string, unknown>
        for (const k of Object.keys(w)) if (!['days', 'from', 'to', 'min', 'max'].includes(k)) errors.push({ field: `${where}.${k}`, reason: 'unknown field; known: days, from, to, min, max' })
        for (const k of ['from', 'to']) if (typeof w[k] !== 'string' || !TIME.test(w[k] as string)) errors.push({ field: `${where}.${k}`, reason: 'must be a time HH:MM (24-hour)' })
        if (w.days !== undefined && (!Array.isArray(w.days) || w.days.length === 0 || w.days.some((x) => !(DAYS as readonly unknown[]).includes(x)))) errors.push({ field: `${where}.days`, reason: `must be a non-empty list of ${DAYS.join(', ')}` })
        for (const k of ['min', 'max']) if (w[k] !== undefined && (typeof w[k] !== 'number' || !Number.isInteger(w[k]) || (w[k] as number) < 0 || (w[k] as number) > MAX_DYNOS)) errors.push({ field: `${where}.${k}`, reason: `must be a whole number between 0 and ${MAX_DYNOS}` })
        if (typeof w.min === 'number' && typeof w.max === 'number' && w.min > w.max) errors.push({ field: `${where}.min`, reason: `must not be greater than max (${w.min} > ${w.max})` })
        if (w.min === undefined && w.max === undefined) errors.push({ field: where, reason: 'needs min or max' })
        schedules.push({ from: String(w.from), to: String(w.to), ...(Array.isArray(w.days) ? { days: w.days as Day[] } : {}), ...(typeof w.min === 'number' ? { min: w.min } : {}), ...(typeof w.max === 'number' ? { max: w.max } : {}) })
      })
    }
  }
  if (errors.length) return { ok: false, errors }
  return {
    ok: true,
    policy: { enabled: o.enabled as boolean, min, max, metric, upscale_above: above, downscale_below: below, upscale_jump: jump, upscale_cooldown_s: cooldown, downscale_delay_s: delay, breach_s: breach, timezone, schedules, release_hold_s: hold, manual_pause_s: pause }
  }
}
