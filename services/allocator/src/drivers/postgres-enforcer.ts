// The periodic half of the `postgres` driver, started by the allocator. PostgreSQL enforces
// connection limits and statement timeouts itself but has no storage quota, and the
// allocator cannot schedule work, so this loop:
//  - makes a database read-only (default_transaction_read_only) when pg_database_size
//    passes the plan's storage_mb, and writable again when usage drops or the plan grows,
//    telling the customer through the audit log the dashboard shows;
//  - drops login roles whose rotation grace period (VALID UNTIL) is over;
//  - cancels statements running far past the plan's timeout (a session may have raised
//    its own statement_timeout: the database default is only a default).
// Every action is derived from the state of the cluster, so a tick interrupted by a crash
// is simply done again by the next one; an advisory lock keeps allocators from doubling up.
import { withClient, type Db } from '@addonkit/db'
import { audit } from '@addonkit/lifecycle'
import { megabytes, type ResourceCluster, type TenantDatabaseRow } from './postgres-cluster.js'
import { likePrefix, quoteIdent, tenantNames, TENANT_PREFIX, uuidOfName } from './postgres-names.js'

export interface EnforcerOptions {
  /** The platform database: which instances are ours, and where audit entries go. */
  db: Db
  intervalMs?: number
  log?: { warn (obj: object, msg: string): void }
  /** Also tells the customer in the app's own log stream (protocol §11.2), best effort. */
  notify?: CustomerNotifier
}

/** Writes a line into an instance's app log stream; failures are the caller's to log. */
export type CustomerNotifier = (instanceUuid: string, message: string) => Promise<void>

export interface EnforcerReport {
  skipped: boolean
  madeReadOnly: string[]
  madeWritable: string[]
  droppedLogins: string[]
  cancelled: number
}

export interface QuotaEnforcer {
  /** One pass now; with wait, queues behind another allocator's pass instead of skipping. */
  runOnce (opts?: { wait?: boolean }): Promise<EnforcerReport>
  stop (): Promise<void>
}

// Statements get this much longer than the plan's timeout before the enforcer cancels them.
const CANCEL_SLACK_MS = 5000

export function startQuotaEnforcer (cluster: ResourceCluster, opts: EnforcerOptions): QuotaEnforcer {
  const intervalMs = opts.intervalMs ?? 5000
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let running: Promise<unknown> = Promise.resolve()

  const runOnce = async (o: { wait?: boolean } = {}): Promise<EnforcerReport> => {
    const p = enforceOnce(cluster, opts.db, o.wait ?? false, opts.notify)
    running = p.catch(() => {})
    return p
  }
  const tick = () => {
    if (stopped) return
    runOnce().catch((err) => opts.log?.warn({ err }, 'postgres quota enforcement failed; will retry'))
      .finally(() => { if (!stopped) { timer = setTimeout(tick, intervalMs); timer.unref() } })
  }
  timer = setTimeout(tick, intervalMs)
  timer.unref()
  return {
    runOnce,
    async stop () { stopped = true; clearTimeout(timer); await running }
  }
}

/** One pass over every tenant database of this platform. Exported for tests and the bench. */
export async function enforceOnce (cluster: ResourceCluster, db: Db, wait = false, notify?: CustomerNotifier): Promise<EnforcerReport> {
  const report: EnforcerReport = { skipped: false, madeReadOnly: [], madeWritable: [], droppedLogins: [], cancelled: 0 }
  // One lock per platform database: allocators of one deployment take turns, while
  // another deployment (or another test) sharing the cluster is not blocked.
  const platform = (await db.pool.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name
  // A connection of its own holds the session lock; one whose unlock failed may still hold
  // it, so it is closed rather than pooled.
  return await withClient(cluster.pool, async (client, markBroken) => {
    const key = `addonkit.postgres-enforcer:${platform}`
    if (wait) await client.query('SELECT pg_advisory_lock(hashtext($1))', [key])
    else if (!(await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key])).rows[0]!.ok) return { ...report, skipped: true }
    try {
      const rows = (await cluster.tenantDatabases(undefined, client)).filter((r) => r.meta)
      const ours = await instancesOf(db, rows.map((r) => r.meta!.instance))
      for (const row of rows) {
        if (!ours.has(row.meta!.instance)) continue
        const change = await applyQuota(cluster, db, row, notify)
        if (change === 'read-only') report.madeReadOnly.push(row.database)
        if (change === 'writable') report.madeWritable.push(row.database)
        report.cancelled += await cancelOverlong(cluster, row)
      }
      report.droppedLogins = await dropExpiredLogins(cluster, db)
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(markBroken)
    }
    return report
  })
}

async function instancesOf (db: Db, uuids: string[]): Promise<Set<string>> {
  if (uuids.length === 0) return new Set()
  const r = await db.pool.query<{ uuid: string }>(`SELECT uuid::text FROM instances WHERE uuid = ANY($1::uuid[]) AND driver = 'postgres'`, [uuids])
  return new Set(r.rows.map((x) => x.uuid))
}

/**
 * Compares one database's size with its quota and flips it read-only or writable. Open
 * sessions keep the value they started with, so they are ended on each change: the app's
 * pool reconnects and picks up the new mode (at most twice per crossing of the quota).
 */
export async function applyQuota (cluster: ResourceCluster, db: Db, row: TenantDatabaseRow, notify?: CustomerNotifier): Promise<'read-only' | 'writable' | null> {
  const meta = row.meta
  if (!meta) return null
  const over = meta.storage_mb > 0 && row.bytes > meta.storage_mb * 1024 * 1024
  const usedMb = megabytes(row.bytes)
  if (over && !row.readOnly) {
    await cluster.query(`ALTER DATABASE ${quoteIdent(row.database)} SET default_transaction_read_only = on`)
    await cluster.terminate({ database: row.database })
    const message = `The database uses ${usedMb} MB, more than the plan's ${meta.storage_mb} MB: it is read-only until data is deleted (in a transaction started with SET TRANSACTION READ WRITE) or the plan is upgraded.`
    await audit(db.pool, meta.instance, 'storage_quota_exceeded', 'refused', { used_mb: usedMb, limit_mb: meta.storage_mb, message })
    await notify?.(meta.instance, message).catch(() => {})
    return 'read-only'
  }
  if (!over && row.readOnly) {
    await cluster.query(`ALTER DATABASE ${quoteIdent(row.database)} RESET default_transaction_read_only`)
    await cluster.terminate({ database: row.database })
    const message = `The database uses ${usedMb} MB of the plan's ${meta.storage_mb} MB: writes are allowed again.`
    await audit(db.pool, meta.instance, 'storage_quota_restored', 'ok', { used_mb: usedMb, limit_mb: meta.storage_mb, message })
    await notify?.(meta.instance, message).catch(() => {})
    return 'writable'
  }
  return null
}

async function cancelOverlong (cluster: ResourceCluster, row: TenantDatabaseRow): Promise<number> {
  const timeout = row.meta?.statement_timeout_ms ?? 0
  if (timeout <= 0 || row.connections === 0) return 0
  const r = await cluster.query<{ n: string }>(
    `SELECT count(pg_cancel_backend(pid)) AS n FROM pg_stat_activity
      WHERE datname = $1 AND state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
        AND now() - query_start > make_interval(secs => $2::float8 / 1000)`,
    [row.database, timeout + CANCEL_SLACK_MS])
  return Number(r.rows[0]?.n ?? 0)
}

/**
 * Drops login roles whose VALID UNTIL has passed (superseded by a rotation; PostgreSQL
 * already refuses new logins with them). Their sessions end first. Objects a login created
 * under its own name (after RESET ROLE) are handed to the owner role, never lost.
 */
async function dropExpiredLogins (cluster: ResourceCluster, db: Db): Promise<string[]> {
  const r = await cluster.query<{ rolname: string }>(
    `SELECT rolname FROM pg_roles WHERE rolname LIKE $1 AND rolname ~ '_l[0-9]+$'
        AND rolvaliduntil IS NOT NULL AND rolvaliduntil <> 'infinity' AND rolvaliduntil < now()`,
    [likePrefix(TENANT_PREFIX)])
  const ours = await instancesOf(db, r.rows.map((x) => uuidOfName(x.rolname)).filter((u): u is string => u !== null))
  const dropped: string[] = []
  for (const { rolname } of r.rows) {
    const uuid = uuidOfName(rolname)
    if (!uuid || !ours.has(uuid)) continue
    await dropLogin(cluster, uuid, rolname)
    dropped.push(rolname)
  }
  return dropped
}

export async function dropLogin (cluster: ResourceCluster, uuid: string, login: string): Promise<void> {
  const names = tenantNames(uuid)
  await cluster.query(`ALTER ROLE ${quoteIdent(login)} NOLOGIN`)
  await cluster.terminate({ users: [login] })
  try {
    await cluster.query(`DROP ROLE IF EXISTS ${quoteIdent(login)}`)
  } catch (err) {
    if ((err as { code?: string }).code !== '2BP01') throw err // dependent_objects_still_exist
    await cluster.inDatabase(names.database, async (c) => {
      await c.query(`REASSIGN OWNED BY ${quoteIdent(login)} TO ${quoteIdent(names.owner)}`)
      await c.query(`DROP OWNED BY ${quoteIdent(login)}`)
    })
    await cluster.query(`DROP ROLE IF EXISTS ${quoteIdent(login)}`)
  }
}
