// The decision for one process type of one app: from the policy, the recent windows of
// router metrics and the formation read just now, what to do and why, in words a customer
// reads on the dashboard ("p95 service 812 ms > 500 ms for 30 s → web 2 → 3"). Pure: the
// runner supplies the clock and the history and applies the answer.
//
// In order: a person's scale pauses autoscaling (manual_pause_s), a release holds it
// (release_hold_s); the bounds (with schedules) are enforced at once; an upscale needs
// the metric above upscale_above over the last breach_s and no scale event within
// upscale_cooldown_s; a downscale (one dyno) needs every breach_s-long span of the last
// downscale_delay_s below downscale_below, and that much time since the last scale event.
import { emptyHistogram, meanOf, mergeInto } from './histogram.js'
import { describeThreshold, describeValue, metricValue, type MetricReading } from './metric-value.js'
import type { Policy } from './policy.js'
import { WINDOW_MS, type RouterWindow } from './router-window.js'
import { effectiveBounds, type Bounds } from './schedule.js'

export interface ScaleChange {
  at: number
  from: number
  to: number
  /** Who changed it: us, or a person (`heroku ps:scale`, the Dashboard). */
  by: 'autoscaler' | 'person'
}

export interface AutoscaleState {
  /** The last change of this process type's quantity, by anyone. */
  lastChange?: ScaleChange
  /** The last release (deploy) of the app. */
  lastReleaseAt?: number
}

export interface DecisionInput {
  policy: Policy
  processType: string
  /** The formation's quantity, read fresh before deciding. */
  quantity: number
  /** This app's windows for this process type (any order; the one still filling counts for an upscale only). */
  windows: readonly RouterWindow[]
  now: number
  state: AutoscaleState
  /**
   * Since when the windows are complete (ms): the app's metrics were being collected.
   * No windows at all then means no traffic; before it, only that nobody was looking, and
   * a downscale waits until downscale_delay_s have been watched. Default: no limit.
   */
  observedSince?: number
}

export type DecisionAction = 'scale' | 'hold' | 'none'

export interface Decision {
  action: DecisionAction
  processType: string
  from: number
  to: number
  direction?: 'up' | 'down'
  /** The metric's value over the span that decided (null: not enough data). */
  value: number | null
  bounds: Bounds
  /** Whether the change is to be applied: the policy is enabled and the action is `scale`. */
  applied: boolean
  reason: string
}

export function decide (input: DecisionInput): Decision {
  const { policy, processType: type, quantity: q, now, state } = input
  const bounds = effectiveBounds(policy, now)
  const evalEnd = Math.floor(now / WINDOW_MS) * WINDOW_MS
  const closed = input.windows.filter((w) => w.start < evalEnd)
  const span = (ms: number, endAt = evalEnd) => closed.filter((w) => w.start >= endAt - ms && w.start < endAt)
  const breachMs = policy.breach_s * 1000
  // An upscale reads the last breach_s up to now, the window still filling included: a
  // breach is acted on as soon as it is seen. A downscale reads closed windows only.
  const recent = input.windows.filter((w) => w.start + WINDOW_MS > now - breachMs && w.start <= now)
  const reading = metricValue(policy.metric, recent, q, Math.max(breachMs, now - Math.min(...recent.map((w) => w.start), now)))
  const out = (action: DecisionAction, to: number, reason: string): Decision => {
    const direction = to > q ? 'up' : to < q ? 'down' : undefined
    const applied = action === 'scale' && policy.enabled
    return {
      action,
      processType: type,
      from: q,
      to,
      ...(direction ? { direction } : {}),
      value: reading.value,
      bounds,
      applied,
      reason: action === 'scale' && !policy.enabled ? `${reason} (autoscaling is off: not applied)` : reason
    }
  }
  const clock = (t: number) => formatTime(t, policy.timezone)
  const change = `${type} ${q} → `

  const last = state.lastChange
  if (last?.by === 'person' && now < last.at + policy.manual_pause_s * 1000) {
    return out('hold', q, `${type} was scaled by hand to ${last.to} at ${clock(last.at)}; autoscaling pauses until ${clock(last.at + policy.manual_pause_s * 1000)}`)
  }
  if (state.lastReleaseAt !== undefined && now < state.lastReleaseAt + policy.release_hold_s * 1000) {
    return out('hold', q, `release at ${clock(state.lastReleaseAt)}; holding until ${clock(state.lastReleaseAt + policy.release_hold_s * 1000)}`)
  }
  const where = bounds.schedule ? ` (schedule ${bounds.schedule.from}–${bounds.schedule.to})` : ''
  if (q < bounds.min) return out('scale', bounds.min, `${type} ${q} is below the minimum ${bounds.min}${where} → ${change}${bounds.min}`)
  if (q > bounds.max) return out('scale', bounds.max, `${type} ${q} is above the maximum ${bounds.max}${where} → ${change}${bounds.max}`)

  const m = policy.metric
  const above = policy.upscale_above
  const below = policy.downscale_below
  const sinceChange = last ? now - last.at : Infinity
  if (reading.value !== null && reading.value > above) {
    const what = `${describeValue(m, reading.value)} > ${describeThreshold(m, above)} for ${policy.breach_s} s`
    if (q >= bounds.max) return out('hold', q, `${what}, but ${type} is at the maximum ${bounds.max}${where}`)
    if (sinceChange < policy.upscale_cooldown_s * 1000) {
      return out('hold', q, `${what}, but ${type} changed ${Math.round(sinceChange / 1000)} s ago (upscale cooldown ${policy.upscale_cooldown_s} s)`)
    }
    let to = q + policy.upscale_jump
    // Requests per dyno says how many dynos the traffic needs: go there in one step.
    if (m === 'requests_per_dyno') to = Math.max(to, Math.ceil(reading.value * q / above))
    to = Math.min(bounds.max, to)
    return out('scale', to, `${what} → ${change}${to}`)
  }

  const watchedMs = input.observedSince === undefined ? Infinity : now - input.observedSince
  if (q > bounds.min && watchedMs < policy.downscale_delay_s * 1000 && (reading.value === null || reading.value < below)) {
    return out('none', q, `watching since ${clock(input.observedSince!)}; a downscale needs ${formatSpan(policy.downscale_delay_s * 1000)} of metrics`)
  }
  if (q > bounds.min) {
    const delayMs = policy.downscale_delay_s * 1000
    const verdict = belowFor(input, reading, delayMs, breachMs, span)
    if (verdict.below) {
      const what = verdict.idle ? `no requests for ${formatSpan(delayMs)}` : `${describeValue(m, verdict.worst!)} < ${describeThreshold(m, below)} for ${formatSpan(delayMs)}`
      if (sinceChange < delayMs) {
        return out('none', q, `${what.replace(/ for .*$/, '')}; ${type} changed ${Math.round(sinceChange / 1000)} s ago, scaling down ${formatSpan(delayMs)} after a change`)
      }
      return out('scale', q - 1, `${what} → ${change}${q - 1}`)
    }
    if (verdict.busy !== undefined) {
      return out('none', q, `${reading.value === null ? 'little traffic' : describeValue(m, reading.value)}, but ${type} ${q - 1} would run at ~${Math.round(verdict.busy * 100)} % (${Math.round(MAX_UTILIZATION_AFTER_DOWNSCALE * 100)} % at most): staying at ${q}`)
    }
    if (verdict.since !== undefined) {
      return out('none', q, `${reading.value === null ? 'little traffic' : describeValue(m, reading.value)} below ${describeThreshold(m, below)} since ${clock(verdict.since)}; scaling down after ${formatSpan(delayMs)}`)
    }
  }
  if (reading.value === null) return out('none', q, `not enough traffic to judge (${reading.requests} requests in ${policy.breach_s} s)`)
  return out('none', q, `${describeValue(m, reading.value)} within ${describeThreshold(m, below)}–${describeThreshold(m, above)}`)
}

interface BelowVerdict {
  below: boolean
  idle: boolean
  /** The utilization one dyno fewer would run at, when that is what stops the downscale. */
  busy?: number
  /** The highest value among the spans (what the reason quotes). */
  worst?: number
  /** Since when the metric has been below, when not yet long enough. */
  since?: number
}

/** Highest utilization one dyno fewer may run at before a downscale is refused. */
export const MAX_UTILIZATION_AFTER_DOWNSCALE = 0.7

/**
 * Whether every breach_s-long span of the last `delayMs` is below downscale_below. A span
 * without requests counts as below (traffic stopped). One dyno fewer must not bring the
 * app back over the threshold, or it would only flap back: with requests_per_dyno the rate
 * per dyno must stay under upscale_above, with load the load, and with service or queue
 * time the dynos' utilization (the request rate times the mean time a request takes,
 * queueing included, which overestimates it) must stay under 70 %.
 */
function belowFor (input: DecisionInput, latest: MetricReading, delayMs: number, breachMs: number, span: (ms: number, endAt?: number) => RouterWindow[]): BelowVerdict {
  const { policy, quantity: q } = input
  const evalEnd = Math.floor(input.now / WINDOW_MS) * WINDOW_MS
  const isBelow = (r: MetricReading) => {
    if (r.value === null) return true
    if (r.value >= policy.downscale_below) return false
    if ((policy.metric === 'requests_per_dyno' || policy.metric === 'load') && q > 1 && r.value * q / (q - 1) >= policy.upscale_above) return false
    return true
  }
  if (!isBelow(latest)) return { below: false, idle: false }
  if (q > 1 && (policy.metric === 'service_p95' || policy.metric === 'queue_p95')) {
    const h = emptyHistogram()
    let requests = 0
    for (const w of span(delayMs)) { mergeInto(h, w.service); requests += w.requests }
    const mean = meanOf(h)
    const after = mean === null ? 0 : (requests / (delayMs / 1000)) * (mean / 1000) / (q - 1)
    if (after > MAX_UTILIZATION_AFTER_DOWNSCALE) return { below: false, idle: false, busy: after }
  }
  let worst: number | undefined
  let idle = true
  for (let end = evalEnd; end > evalEnd - delayMs; end -= breachMs) {
    const r = metricValue(policy.metric, span(breachMs, end), q, breachMs)
    if (!isBelow(r)) return { below: false, idle: false, since: end }
    if (r.requests > 0) idle = false
    if (r.value !== null) worst = Math.max(worst ?? r.value, r.value)
  }
  if (worst === undefined && !idle) worst = 0
  return { below: true, idle: idle && worst === undefined, ...(worst === undefined ? {} : { worst }) }
}

function formatSpan (ms: number): string {
  const s = Math.round(ms / 1000)
  if (s % 3600 === 0 && s >= 3600) return `${s / 3600} h`
  if (s % 60 === 0 && s >= 60) return `${s / 60} min`
  return `${s} s`
}

const clockFormats = new Map<string, Intl.DateTimeFormat>()

function formatTime (t: number, timeZone: string): string {
  let f = clockFormats.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
    clockFormats.set(timeZone, f)
  }
  return f.format(t)
}
