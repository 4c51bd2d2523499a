// Formatting of dates, prices, numbers and plan limits for the pages.
import type { PlanDefinition } from '@addonkit/config'

export function formatDate (d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC')
}

/** To the second, for events that come seconds apart (autoscaling decisions). */
export function formatDateSeconds (d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

export function formatNumber (n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 })
}

export function formatPrice (cents: number): string {
  return cents === 0 ? 'Free' : `$${formatNumber(cents / 100)}/month`
}

const LIMIT_LABELS: Record<string, { label: string, unit: string }> = {
  retention_days: { label: 'Retention', unit: 'days' },
  lines_per_day: { label: 'Log lines', unit: 'per day' },
  requests_per_minute: { label: 'API requests', unit: 'per minute' },
  storage_mb: { label: 'Storage', unit: 'MB' },
  connection_limit: { label: 'Connections', unit: '' },
  statement_timeout_ms: { label: 'Statement timeout', unit: 'ms' }
}

/** A plan limit as a label and a readable value, e.g. ["Storage", "4,096 MB"]. */
export function describeLimit (key: string, value: number): [string, string] {
  const known = LIMIT_LABELS[key]
  if (!known) return [key.replace(/_/g, ' '), formatNumber(value)]
  return [known.label, `${formatNumber(value)}${known.unit ? ` ${known.unit}` : ''}`]
}

export function planLimits (plan: PlanDefinition): Array<[string, string]> {
  return Object.entries(plan.limits).map(([k, v]) => describeLimit(k, v))
}
