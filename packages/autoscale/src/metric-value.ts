// The value of a policy's metric over a span of windows: p95 of service or queue time
// (histograms merged first, so the p95 is of the requests, not of window p95s), requests
// per minute per dyno, or mean load. null when the span holds too little to judge.
import { emptyHistogram, mergeInto, quantile, countOf } from './histogram.js'
import type { MetricName } from './policy.js'
import { WINDOW_MS, type RouterWindow } from './router-window.js'

/** Fewer requests than this in a span are not judged by a percentile. */
export const MIN_REQUESTS = 5

export interface MetricReading {
  value: number | null
  requests: number
  /** Windows in the span that had any data. */
  windows: number
}

export function metricValue (metric: MetricName, windows: readonly RouterWindow[], dynos: number, spanMs: number): MetricReading {
  let requests = 0
  let withData = 0
  for (const w of windows) {
    requests += w.requests
    if (w.requests > 0 || w.load.samples > 0 || countOf(w.queue) > 0) withData++
  }
  switch (metric) {
    case 'service_p95': {
      const h = emptyHistogram()
      for (const w of windows) mergeInto(h, w.service)
      return { value: countOf(h) >= MIN_REQUESTS ? quantile(h, 0.95) : null, requests, windows: withData }
    }
    case 'queue_p95': {
      const h = emptyHistogram()
      for (const w of windows) mergeInto(h, w.queue)
      return { value: countOf(h) >= MIN_REQUESTS ? quantile(h, 0.95) : null, requests, windows: withData }
    }
    case 'requests_per_dyno':
      return { value: requests / (Math.max(spanMs, WINDOW_MS) / 60_000) / Math.max(1, dynos), requests, windows: withData }
    case 'load': {
      let sum = 0
      let n = 0
      for (const w of windows) { sum += w.load.sum; n += w.load.samples }
      return { value: n > 0 ? sum / n : null, requests, windows: withData }
    }
  }
}

const LABELS: Record<MetricName, string> = { service_p95: 'p95 service', queue_p95: 'p95 queue', requests_per_dyno: 'requests/min per dyno', load: 'load' }

export function describeValue (metric: MetricName, v: number): string {
  if (metric === 'service_p95' || metric === 'queue_p95') return `${LABELS[metric]} ${Math.round(v)} ms`
  if (metric === 'requests_per_dyno') return `${Math.round(v)} ${LABELS[metric]}`
  return `${LABELS[metric]} ${v.toFixed(2)}`
}

export function describeThreshold (metric: MetricName, v: number): string {
  if (metric === 'service_p95' || metric === 'queue_p95') return `${Math.round(v)} ms`
  if (metric === 'requests_per_dyno') return `${Math.round(v)}`
  return v.toFixed(2)
}
