// The `postgres` driver: one database per add-on instance on the resource cluster
// (RESOURCE_PG_ADMIN_URL), handed to the app as <PREFIX>_DATABASE_URL.
//
// Roles: a NOLOGIN owner role owns the database, its public schema and (through
// `ALTER ROLE login SET role = owner`) every object the app creates. Apps log in with login
// roles that are members of the owner: a rotation adds a login and expires the previous one
// (VALID UNTIL), so both work during the grace period and their tables stay the same
// owner's. Limits live in the database: CONNECTION LIMIT and statement_timeout on the
// database (they cover every login at once); the storage quota is kept by the enforcer.
//
// Every method is a sequence of "make it so" steps that check the cluster first, so a run
// after a crash at any point converges (CREATE DATABASE cannot share a transaction with
// CREATE ROLE, so atomicity is not available; convergence is).
import { randomBytes } from 'node:crypto'
import { driverConfigVars, type PlanDefinition } from '@addonkit/config'
import { PermanentDriverError, type Driver, type DriverContext, type UsageMetric } from './driver.js'
import { megabytes, ResourceCluster } from './postgres-cluster.js'
import { applyQuota, dropLogin, startQuotaEnforcer, type CustomerNotifier, type EnforcerOptions, type QuotaEnforcer } from './postgres-enforcer.js'
import { likePrefix, loginGeneration, quoteIdent, quoteLiteral, tenantNames, type TenantNames } from './postgres-names.js'
import { scramVerifier } from './postgres-scram.js'

export interface PostgresDriverOptions {
  adminUrl: string
  poolSize?: number
  /** Bound on each admin statement (default ADMIN_STATEMENT_TIMEOUT_MS). */
  adminStatementTimeoutMs?: number
  /**
   * Called after each step (method name, step name). Tests throw from it to simulate a
   * crash at that point; production passes nothing.
   */
  onStep?: (method: string, step: string) => void | Promise<void>
  /** Tells the customer about quota changes in the app's log stream too. */
  notify?: CustomerNotifier
}

export interface PostgresDriver extends Driver {
  readonly cluster: ResourceCluster
  /** Starts the periodic quota and credential-expiry loop (see postgres-enforcer.ts). */
  startQuotaEnforcer (opts: EnforcerOptions): QuotaEnforcer
  close (): Promise<void>
}

interface Limits { connectionLimit: number, statementTimeoutMs: number, storageMb: number }

/** 0 means "no limit" for every postgres plan limit. */
function limitsOf (plan: PlanDefinition): Limits {
  const n = (key: string) => {
    const v = plan.limits[key] ?? 0
    if (!Number.isSafeInteger(v) || v < 0) throw new PermanentDriverError(`plan ${plan.slug}: limit ${key} must be a whole number ≥ 0`)
    return v
  }
  return { connectionLimit: n('connection_limit'), statementTimeoutMs: n('statement_timeout_ms'), storageMb: n('storage_mb') }
}

const ROLE_ATTRS = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS'

export function createPostgresDriver (opts: PostgresDriverOptions): PostgresDriver {
  const cluster = new ResourceCluster(opts.adminUrl, opts.poolSize, opts.adminStatementTimeoutMs)
  const step = async (method: string, name: string) => { if (opts.onStep) await opts.onStep(method, name) }
  const q = (sql: string, params?: unknown[]) => cluster.query(sql, params)

  /** Swallows the error a concurrent or earlier run causes by having done the same. */
  async function unlessExists (sql: string, code: '42710' | '42P04'): Promise<void> {
    try { await q(sql) } catch (err) { if ((err as { code?: string }).code !== code) throw err }
  }

  /** Creates or resets a login role; its password is new either way (it was never handed out). */
  async function ensureLogin (n: TenantNames, login: string): Promise<string> {
    const password = randomBytes(32).toString('base64url')
    const verifier = quoteLiteral(await scramVerifier(password))
    if (await cluster.roleExists(login)) await q(`ALTER ROLE ${quoteIdent(login)} WITH LOGIN ${ROLE_ATTRS} INHERIT PASSWORD ${verifier} VALID UNTIL 'infinity'`)
    else await unlessExists(`CREATE ROLE ${quoteIdent(login)} WITH LOGIN ${ROLE_ATTRS} INHERIT PASSWORD ${verifier}`, '42710')
    await q(`GRANT ${quoteIdent(n.owner)} TO ${quoteIdent(login)}`)
    // Sessions act as the owner, so objects created through any login belong to the owner.
    await q(`ALTER ROLE ${quoteIdent(login)} SET role = ${quoteLiteral(n.owner)}`)
    return password
  }

  async function applyLimits (ctx: DriverContext, n: TenantNames, plan: PlanDefinition): Promise<void> {
    const l = limitsOf(plan)
    const db = quoteIdent(n.database)
    await q(`ALTER DATABASE ${db} WITH CONNECTION LIMIT ${l.connectionLimit === 0 ? -1 : l.connectionLimit}`)
    await q(`ALTER DATABASE ${db} SET statement_timeout = ${l.statementTimeoutMs}`)
    await cluster.writeMeta(n.database, { instance: ctx.instance.uuid, storage_mb: l.storageMb, statement_timeout_ms: l.statementTimeoutMs, connection_limit: l.connectionLimit })
  }

  function configFor (ctx: DriverContext, n: TenantNames, login: string, password: string): Record<string, string> {
    const [urlVar] = driverConfigVars('postgres', ctx.addon.config_vars_prefix)
    return { [urlVar!]: cluster.urlFor(n.database, login, password).replace(/^postgresql:/, 'postgres:') }
  }

  async function logins (n: TenantNames): Promise<Array<{ name: string, generation: number, validUntil: string | null, canLogin: boolean }>> {
    const r = await q(`SELECT rolname, rolvaliduntil::text AS valid_until, rolcanlogin FROM pg_roles WHERE rolname LIKE $1`, [likePrefix(n.loginPrefix)])
    return r.rows
      .map((x) => ({ name: x.rolname as string, generation: loginGeneration(n, x.rolname) ?? 0, validUntil: x.valid_until as string | null, canLogin: x.rolcanlogin as boolean }))
      .filter((x) => x.generation > 0)
      .sort((a, b) => a.generation - b.generation)
  }

  async function requireDatabase (n: TenantNames, what: string): Promise<void> {
    if (!(await cluster.databaseExists(n.database))) throw new PermanentDriverError(`cannot ${what}: the database of this add-on does not exist (was it purged?)`)
  }

  async function sizeOf (n: TenantNames) {
    return (await cluster.tenantDatabases(n.database))[0] ?? null
  }

  const driver: PostgresDriver = {
    name: 'postgres',
    cluster,

    async allocate (ctx) {
      const n = tenantNames(ctx.instance.uuid)
      if (!(await cluster.roleExists(n.owner))) await unlessExists(`CREATE ROLE ${quoteIdent(n.owner)} WITH NOLOGIN ${ROLE_ATTRS} NOINHERIT`, '42710')
      await step('allocate', 'owner-role')
      const login = n.login(1)
      const password = await ensureLogin(n, login)
      await step('allocate', 'login-role')
      if (!(await cluster.databaseExists(n.database))) await unlessExists(`CREATE DATABASE ${quoteIdent(n.database)} OWNER ${quoteIdent(n.owner)}`, '42P04')
      await step('allocate', 'database')
      const db = quoteIdent(n.database)
      await q(`ALTER DATABASE ${db} OWNER TO ${quoteIdent(n.owner)}`)
      // Only the owner (and so its logins) may connect; temporary tables are the owner's too.
      await q(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`)
      await applyLimits(ctx, n, ctx.plan)
      await cluster.inDatabase(n.database, async (c) => {
        await c.query(`ALTER SCHEMA public OWNER TO ${quoteIdent(n.owner)}`)
        await c.query('REVOKE ALL ON SCHEMA public FROM PUBLIC')
      })
      await step('allocate', 'configured')
      return { config: configFor(ctx, n, login, password) }
    },

    async checkPlanChange (ctx, to) {
      const n = tenantNames(ctx.instance.uuid)
      const row = await sizeOf(n)
      const limit = limitsOf(to).storageMb
      if (row && limit > 0 && row.bytes > limit * 1024 * 1024) {
        return { allowed: false, reason: `This database uses ${megabytes(row.bytes)} MB, more than the ${to.name} plan's ${limit} MB of storage. Delete data (DROP or TRUNCATE tables, then VACUUM FULL) and try again.` }
      }
      return { allowed: true }
    },

    async changePlan (ctx, to) {
      const n = tenantNames(ctx.instance.uuid)
      await requireDatabase(n, 'change the plan')
      // Existing sessions keep running (and keep the statement_timeout they started with).
      await applyLimits(ctx, n, to)
      await step('changePlan', 'limits')
      // A bigger quota gives writes back now, not at the enforcer's next tick.
      const row = await sizeOf(n)
      if (row) await applyQuota(cluster, ctx.db, row, opts.notify)
      return {}
    },

    async rotateCredentials (ctx) {
      const n = tenantNames(ctx.instance.uuid)
      await requireDatabase(n, 'rotate credentials')
      const before = await logins(n)
      const login = n.login((before.at(-1)?.generation ?? 0) + 1)
      const password = await ensureLogin(n, login)
      await step('rotateCredentials', 'login-role')
      // Earlier logins work for the grace period, then PostgreSQL refuses them and the
      // enforcer drops them. A login a crashed run created but never handed out expires too.
      const until = new Date(Date.now() + ctx.credentialGraceSeconds * 1000).toISOString()
      for (const old of before) {
        if (old.validUntil === null || old.validUntil === 'infinity') await q(`ALTER ROLE ${quoteIdent(old.name)} VALID UNTIL ${quoteLiteral(until)}`)
      }
      return { config: configFor(ctx, n, login, password) }
    },

    async deallocate (ctx) {
      const n = tenantNames(ctx.instance.uuid)
      const all = await logins(n)
      // All logins lose access in one statement each, before any session is ended, so a
      // terminated client cannot come back in between.
      for (const l of all) if (l.canLogin) await q(`ALTER ROLE ${quoteIdent(l.name)} NOLOGIN`)
      await step('deallocate', 'nologin')
      await cluster.terminate({ database: n.database, users: all.map((l) => l.name) })
    },

    async purge (ctx) {
      const n = tenantNames(ctx.instance.uuid)
      await q(`DROP DATABASE IF EXISTS ${quoteIdent(n.database)} WITH (FORCE)`)
      await step('purge', 'database')
      for (const l of await logins(n)) await dropLogin(cluster, ctx.instance.uuid, l.name)
      await q(`DROP ROLE IF EXISTS ${quoteIdent(n.owner)}`)
    },

    async usage (ctx): Promise<UsageMetric[]> {
      const n = tenantNames(ctx.instance.uuid)
      const l = limitsOf(ctx.plan)
      const row = await sizeOf(n)
      return [
        { name: 'storage', label: 'Storage', used: row ? megabytes(row.bytes) : 0, limit: l.storageMb || null, unit: 'MB' },
        { name: 'connections', label: 'Connections', used: row?.connections ?? 0, limit: l.connectionLimit || null, unit: 'connections' }
      ]
    },

    startQuotaEnforcer (o) { return startQuotaEnforcer(cluster, { notify: opts.notify, ...o }) },
    close () { return cluster.close() }
  }
  return driver
}
