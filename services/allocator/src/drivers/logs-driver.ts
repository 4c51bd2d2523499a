// The `logs` driver: a tenant of Addonkit's own log store. It owns the tenant row with its
// data-API and drain credentials (stored as SHA-256 verifiers), maps the provision's
// log_drain_token to the tenant, and hands out <PREFIX>_URL and the log_drain_url.
import { randomId, randomSecret, sha256Hex } from '@addonkit/secrets'
import { driverConfigVars, type PlanDefinition } from '@addonkit/config'
import { groupCommit, preparing, type Queryable } from '@addonkit/lifecycle'
import { limitsFor, purgeTenantData, revokeTenant, rotateApiSecret, setTenantPlan, tenantIdOf, tenantUsage, upsertTenants, type NewTenant, type TenantUsage } from '@addonkit/log-store'
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

type TenantUpsert = (t: NewTenant) => Promise<{ apiUser: string, drainUser: string }>
const upserters = new WeakMap<Queryable, TenantUpsert>()

/**
 * The tenant upsert of one pool, group-committed (lifecycle groupCommit): the provisions
 * claimed together allocate together, so their upserts go in one statement; alone, at once.
 * The upsert is on every provision's path: prepared (lifecycle preparing), not planned per call.
 */
function tenantUpserter (pool: Queryable): TenantUpsert {
  let upsert = upserters.get(pool)
  if (!upsert) {
    const db = preparing(pool)
    upsert = groupCommit<NewTenant, { apiUser: string, drainUser: string }>({
      one: async (t) => (await upsertTenants(db, [t]))[0]!,
      many: (ts) => upsertTenants(db, ts),
      keys: (t) => [t.instanceUuid]
    })
    upserters.set(pool, upsert)
  }
  return upsert
}

export const logsDriver: Driver = {
  name: 'logs',

  async allocate (ctx) {
    const apiSecret = randomSecret()
    const drainSecret = randomSecret()
    // Upsert: a re-run after a crash keeps the one tenant (and its user names) and replaces
    // credentials that were never handed out (the config is stored only after this returns).
    const { apiUser, drainUser } = await tenantUpserter(ctx.db.pool)({
      instanceUuid: ctx.instance.uuid, drainToken: ctx.instance.logDrainToken, plan: ctx.instance.plan,
      apiUser: randomId('u', 9), apiSecretHash: sha256Hex(apiSecret), drainUser: randomId('d', 9), drainSecretHash: sha256Hex(drainSecret)
    })
    return output(ctx, apiUser, apiSecret, drainUser, drainSecret)
  },

  async checkPlanChange (ctx, to) {
    const used = megabytes(await usageOf(ctx))
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
    const tenantId = await tenantIdOf(ctx.db.pool, ctx.instance.uuid)
    if (tenantId) await purgeTenantData(ctx.db.pool, tenantId)
  },

  async usage (ctx): Promise<UsageMetric[]> {
    const plan = ctx.plan
    const usage = await usageOf(ctx)
    return [
      { name: 'lines_today', label: 'Log lines today (UTC)', used: usage.linesToday, limit: plan.limits.lines_per_day ?? null, unit: 'lines' },
      { name: 'dropped_today', label: 'Lines dropped over the daily limit today', used: usage.droppedToday, limit: null, unit: 'lines' },
      { name: 'storage', label: 'Storage', used: megabytes(usage), limit: plan.limits.storage_mb ?? null, unit: 'MB' },
      { name: 'retention', label: 'Retention', used: retentionDays(ctx), limit: plan.limits.retention_days ?? null, unit: 'days' }
    ]
  }
}

/** The instance's retention: the plan's, or the shorter one the customer chose (the log store's rule). */
function retentionDays (ctx: DriverContext): number {
  return limitsFor(ctx.addon, ctx.plan.slug, ctx.instance.options).retentionDays
}

const NO_USAGE: TenantUsage = { linesToday: 0, droppedToday: 0, reportedLossToday: 0, storedBytes: 0 }

/** The tenant's counters (the log store's), or zeros before it exists. */
async function usageOf (ctx: DriverContext): Promise<TenantUsage> {
  const tenantId = await tenantIdOf(ctx.db.pool, ctx.instance.uuid)
  return tenantId ? tenantUsage(ctx.db.pool, tenantId, retentionDays(ctx)) : NO_USAGE
}

/**
 * Megabytes stored (rounded up to 0.01): the bytes the writer counted per day (text plus an
 * estimate of row and index overhead) within retention — a counter, since
 * pg_total_relation_size cannot be split by tenant and would scan every partition.
 */
function megabytes (u: TenantUsage): number {
  return Math.ceil(u.storedBytes / (1024 * 1024) * 100) / 100
}
