// The Autoscaling page's chart of one process type: its policy's metric per 10-second
// window over the last hour (the windows the log-drain stores, read with the same
// metricValue the autoscaler uses), against the two thresholds, with the scale events
// (the autoscaler's applied decisions and people's changes) on the window they fell in.
// The dyno count of a window is worked back from those events to the current formation:
// the count before the first event after the window, else the formation's quantity.
import { METRIC_UNITS, WINDOW_MS, metricValue, type MetricName, type Policy, type RouterWindow } from '@addonkit/autoscale'

export const CHART_SPAN_MS = 3600_000

export interface ScaleMark { at: Date, from: number, to: number, by: 'autoscaler' | 'person' }

export interface SeriesPoint {
  /** Window start, ms since the epoch. */
  start: number
  /** The metric over this one window; null when it held too little to judge. */
  value: number | null
  requests: number
  dynos: number
  marks: ScaleMark[]
}

export interface MetricSeries {
  processType: string
  metric: MetricName
  unit: string
  upscaleAbove: number
  downscaleBelow: number
  points: SeriesPoint[]
}

export function metricSeries (processType: string, policy: Policy, windows: readonly RouterWindow[], quantity: number | null, marks: readonly ScaleMark[], now: number): MetricSeries {
  const last = Math.floor(now / WINDOW_MS) * WINDOW_MS
  const count = CHART_SPAN_MS / WINDOW_MS
  const first = last - (count - 1) * WINDOW_MS
  const byStart = new Map(windows.filter((w) => w.processType === processType).map((w) => [w.start, w]))
  const events = [...marks].filter((m) => m.at.getTime() >= first).sort((a, b) => a.at.getTime() - b.at.getTime())
  const current = quantity ?? events.at(-1)?.to ?? 1
  const points: SeriesPoint[] = []
  for (let i = 0; i < count; i++) {
    const start = first + i * WINDOW_MS
    const next = events.find((e) => e.at.getTime() > start)
    const dynos = next ? next.from : current
    const w = byStart.get(start)
    points.push({
      start,
      value: w ? metricValue(policy.metric, [w], dynos, WINDOW_MS).value : null,
      requests: w?.requests ?? 0,
      dynos,
      marks: events.filter((e) => e.at.getTime() >= start && e.at.getTime() < start + WINDOW_MS)
    })
  }
  return { processType, metric: policy.metric, unit: METRIC_UNITS[policy.metric], upscaleAbove: policy.upscale_above, downscaleBelow: policy.downscale_below, points }
}
