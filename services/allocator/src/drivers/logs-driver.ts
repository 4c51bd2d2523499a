// The `logs` driver: a tenant of Addonkit's own log store. It owns the tenant row with its
// data-API and drain credentials (stored as SHA-256 verifiers), maps the provision's
// log_drain_token to the tenant, and hands out <PREFIX>_URL and the log_drain_url.
import { randomId, randomSecret, sha256Hex } from '@addonkit/secrets'
import { driverConfigVars, type PlanDefinition } from '@addonkit/config'
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
    const r = await ctx.db.pool.query<{ api_user: string, drain_user: string }>(
      `INSERT INTO log_tenants (id, instance_uuid, drain_token, api_user, api_secret_hash, drain_user, drain_secret_hash, plan)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (instance_uuid) DO UPDATE SET api_secret_hash = EXCLUDED.api_secret_hash, drain_secret_hash = EXCLUDED.drain_secret_hash,
         drain_token = EXCLUDED.drain_token, plan = EXCLUDED.plan, revoked_at = NULL
       RETURNING api_user, drain_user`,
      [ctx.instance.uuid, ctx.instance.logDrainToken, randomId('u', 9), sha256Hex(apiSecret), randomId('d', 9), sha256Hex(drainSecret), ctx.instance.plan])
    const { api_user: apiUser, drain_user: drainUser } = r.rows[0]!
    return output(ctx, apiUser, apiSecret, drainUser, drainSecret)
  },

  async checkPlanChange (ctx, to) {
    const used = await storedMegabytes(ctx)
    const limit = to.limits.storage_mb ?? Infinity
    if (used > limit) return { allowed: false, reason: `This add-on stores ${used} MB of logs, more than the ${to.name} plan's ${limit} MB. Delete logs or wait for them to expire, then try again.` }
    return { allowed: true }
  },

  async changePlan (ctx, to: PlanDefinition) {
    await ctx.db.prisma.logTenant.update({ where: { instanceUuid: ctx.instance.uuid }, data: { plan: to.slug } })
    return {}
  },

  async rotateCredentials (ctx) {
    const tenant = await ctx.db.prisma.logTenant.findUniqueOrThrow({ where: { instanceUuid: ctx.instance.uuid } })
    const apiSecret = randomSecret()
    await ctx.db.prisma.logTenant.update({
      where: { id: tenant.id },
      data: {
        prevApiSecretHash: tenant.apiSecretHash,
        prevValidUntil: new Date(Date.now() + ctx.credentialGraceSeconds * 1000),
        apiSecretHash: sha256Hex(apiSecret)
      }
    })
    // Only the data-API credentials rotate: the drain URL is registered with Logplex.
    return { config: configFor(ctx, tenant.apiUser, apiSecret) }
  },

  async deallocate (ctx) {
    await ctx.db.prisma.logTenant.updateMany({ where: { instanceUuid: ctx.instance.uuid, revokedAt: null }, data: { revokedAt: new Date(), prevApiSecretHash: null, prevValidUntil: null } })
  },

  async purge (ctx) {
    const tenant = await ctx.db.prisma.logTenant.findUnique({ where: { instanceUuid: ctx.instance.uuid } })
    if (!tenant) return
    await purgeTenantLogs(ctx, tenant.id)
  },

  async usage (ctx): Promise<UsageMetric[]> {
    const plan = ctx.plan
    const today = await todayCounters(ctx)
    return [
      { name: 'lines_today', label: 'Log lines today (UTC)', used: today.lines, limit: plan.limits.lines_per_day ?? null, unit: 'lines' },
      { name: 'dropped_today', label: 'Lines dropped over the daily limit today', used: today.dropped, limit: null, unit: 'lines' },
      { name: 'storage', label: 'Storage', used: await storedMegabytes(ctx), limit: plan.limits.storage_mb ?? null, unit: 'MB' },
      { name: 'retention', label: 'Retention', used: retentionDays(ctx), limit: plan.limits.retention_days ?? null, unit: 'days' }
    ]
  }
}

// The log store's tables belong to services/log-drain (migration 20261127020000_log_store):
// log_lines (partitioned by expiry day), log_usage_daily (per tenant and UTC day: lines,
// dropped, bytes) and log_batches (de-duplication). The queries below read them directly.

/** The instance's retention: the plan's, or the shorter one the customer chose. */
function retentionDays (ctx: DriverContext): number {
  const plan = ctx.plan.limits.retention_days ?? 7
  const chosen = ctx.instance.options.retention_days
  return typeof chosen === 'number' && Number.isInteger(chosen) && chosen >= 1 && chosen < plan ? chosen : plan
}

async function todayCounters (ctx: DriverContext): Promise<{ lines: number, dropped: number }> {
  const r = await ctx.db.pool.query<{ lines: string | null, dropped: string | null }>(
    `SELECT sum(u.lines) AS lines, sum(u.dropped) AS dropped FROM log_usage_daily u JOIN log_tenants t ON t.id = u.tenant_id
      WHERE t.instance_uuid = $1 AND u.day = (now() AT TIME ZONE 'UTC')::date`, [ctx.instance.uuid])
  return { lines: Number(r.rows[0]?.lines ?? 0), dropped: Number(r.rows[0]?.dropped ?? 0) }
}

/**
 * Megabytes of log data stored for the tenant (rounded up to 0.01): the bytes the writer
 * counted per day (text plus an estimate of row and index overhead) over the days still
 * within retention. A counter instead of pg_total_relation_size, which cannot be split by
 * tenant and would scan every partition.
 */
async function storedMegabytes (ctx: DriverContext): Promise<number> {
  const r = await ctx.db.pool.query<{ bytes: string | null }>(
    `SELECT sum(u.bytes) AS bytes FROM log_usage_daily u JOIN log_tenants t ON t.id = u.tenant_id
      WHERE t.instance_uuid = $1 AND u.day > (now() AT TIME ZONE 'UTC')::date - $2::int - 1`, [ctx.instance.uuid, retentionDays(ctx)])
  return Math.ceil(Number(r.rows[0]?.bytes ?? 0) / (1024 * 1024) * 100) / 100
}

async function purgeTenantLogs (ctx: DriverContext, tenantId: string): Promise<void> {
  // Every partition is searched through its (tenant_id, ts, seq) index; the counters and
  // de-duplication rows go too, so the usage shows zero afterwards.
  await ctx.db.pool.query('DELETE FROM log_lines WHERE tenant_id = $1', [tenantId])
  await ctx.db.pool.query('DELETE FROM log_usage_daily WHERE tenant_id = $1', [tenantId])
  await ctx.db.pool.query('DELETE FROM log_batches WHERE tenant_id = $1', [tenantId])
}
