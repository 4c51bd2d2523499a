// Plan limits of a log tenant, from the add-on definition (packages/config/addon.json).
// The customer option `retention_days` may shorten, never lengthen, the plan's retention.
import type { AddonDefinition } from '@addonkit/config'

export interface TenantLimits {
  retentionDays: number
  linesPerDay: number | null
  requestsPerMinute: number | null
  storageMb: number | null
}

/** Retention assumed for a plan that names none (and the partition horizon's floor). */
const DEFAULT_RETENTION_DAYS = 7

export function limitsFor (addon: AddonDefinition, planSlug: string, options: Record<string, unknown> | null): TenantLimits {
  const plan = addon.plans.find((p) => p.slug === planSlug)
  const limits = (plan?.limits ?? {}) as Record<string, number | undefined>
  let retentionDays = limits.retention_days ?? DEFAULT_RETENTION_DAYS
  const chosen = options?.retention_days
  if (typeof chosen === 'number' && Number.isInteger(chosen) && chosen >= 1 && chosen < retentionDays) retentionDays = chosen
  return {
    retentionDays,
    linesPerDay: limits.lines_per_day ?? null,
    requestsPerMinute: limits.requests_per_minute ?? null,
    storageMb: limits.storage_mb ?? null
  }
}

/** The longest retention of any plan: partitions are created that far ahead. */
export function longestRetentionDays (addon: AddonDefinition): number {
  let max = DEFAULT_RETENTION_DAYS
  for (const p of addon.plans) {
    const r = (p.limits as Record<string, number | undefined>).retention_days
    if (r !== undefined && r > max) max = r
  }
  return max
}
