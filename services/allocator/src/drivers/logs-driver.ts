// The `logs` driver: a tenant of Addonkit's own log store. It owns the tenant row with its
// data-API and drain credentials (stored as SHA-256 verifiers), maps the provision's
// log_drain_token to the tenant, and hands out <PREFIX>_URL and the log_drain_url.
import { randomId, randomSecret, sha256Hex } from '@addonkit/secrets'
import { driverConfigVars, type PlanDefinition } from '@addonkit/config'
import { findTenant, limitsFor, purgeTenantData, revokeTenant, rotateApiSecret, setTenantPlan, storedMegabytes, todayCounters, upsertTenant } from '@addonkit/log-store'
import type { Driver, DriverContext, UsageMetric } from './driver.js'

function urlWithCredentials (base: string, user: string, secret: string, path: string): string {
  const u = new URL(path, base.endsWith('/') ? base : base + '/')
  u.username = user
  u.password = secret
  return u.toString()
}

function configFor (ctx: DriverContext, apiUser: string, apiSecret: string): Record<string, string> {
  const [urlVar] = driverConfigVars('logs', ctx.addon.config_vars_prefix)
  return { [urlVar!]: urlWithCredentials(ctx.drainPublicUrl, apiUser, apiSecret, 'v1') }
}

function output (ctx: DriverContext, apiUser: string, apiSecret: string, drainUser: string, drainSecret: string) {
  const config = configFor(ctx, apiUser, apiSecret)
  const logDrainUrl = ctx.addon.requires.includes('syslog_drain') ? urlWithCredentials(ctx.drainPublicUrl, drainUser, drainSecret, 'drain') : undefined
  return { config, ...(logDrainUrl ? { logDrainUrl } : {}) }
}

export const logsDriver: Driver = {
  name: 'logs',

  async allocate (ctx) {
    const apiSecret = randomSecret()
    const drainSecret = randomSecret()
    // Upsert: a re-run after a crash keeps the one tenant (and its user names) and replaces
    // credentials that were never handed out (the config is stored only after this returns).
    const { apiUser, drainUser } = await upsertTenant(ctx.db.pool, {
      instanceUuid: ctx.instance.uuid, drainToken: ctx.instance.logDrainToken, plan: ctx.instance.plan,
      apiUser: randomId('u', 9), apiSecretHash: sha256Hex(apiSecret), drainUser: randomId('d', 9), drainSecretHash: sha256Hex(drainSecret)
    })
    return output(ctx, apiUser, apiSecret, drainUser, drainSecret)
  },

  async checkPlanChange (ctx, to) {
    const used = await storedMegabytes(ctx.db.pool, ctx.instance.uuid, retentionDays(ctx))
    const limit = to.limits.storage_mb ?? Infinity
    if (used > limit) return { allowed: false, reason: `This add-on stores ${used} MB of logs, more than the ${to.name} plan's ${limit} MB. Delete logs or wait for them to expire, then try again.` }
    return { allowed: true }
  },

  async changePlan (ctx, to: PlanDefinition) {
    await setTenantPlan(ctx.db.pool, ctx.instance.uuid, to.slug)
    return {}
  },

  async rotateCredentials (ctx) {
    const apiSecret = randomSecret()
    const { apiUser } = await rotateApiSecret(ctx.db.pool, ctx.instance.uuid, sha256Hex(apiSecret), new Date(Date.now() + ctx.credentialGraceSeconds * 1000))
    // Only the data-API credentials rotate: the drain URL is registered with Logplex.
    return { config: configFor(ctx, apiUser, apiSecret) }
  },

  async deallocate (ctx) {
    await revokeTenant(ctx.db.pool, ctx.instance.uuid)
  },

  async purge (ctx) {
    const tenant = await findTenant(ctx.db.pool, 'instanceUuid', ctx.instance.uuid)
    if (tenant) await purgeTenantData(ctx.db.pool, tenant.id)
  },

  async usage (ctx): Promise<UsageMetric[]> {
    const plan = ctx.plan
    const today = await todayCounters(ctx.db.pool, ctx.instance.uuid)
    return [
      { name: 'lines_today', label: 'Log lines today (UTC)', used: today.lines, limit: plan.limits.lines_per_day ?? null, unit: 'lines' },
      { name: 'dropped_today', label: 'Lines dropped over the daily limit today', used: today.dropped, limit: null, unit: 'lines' },
      { name: 'storage', label: 'Storage', used: await storedMegabytes(ctx.db.pool, ctx.instance.uuid, retentionDays(ctx)), limit: plan.limits.storage_mb ?? null, unit: 'MB' },
      { name: 'retention', label: 'Retention', used: retentionDays(ctx), limit: plan.limits.retention_days ?? null, unit: 'days' }
    ]
  }
}

/** The instance's retention: the plan's, or the shorter one the customer chose (the log store's rule). */
function retentionDays (ctx: DriverContext): number {
  return limitsFor(ctx.addon, ctx.plan.slug, ctx.instance.options).retentionDays
}
