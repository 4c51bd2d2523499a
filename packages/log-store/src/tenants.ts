// Log tenants: one per add-on instance of the `logs` driver, with its data-API and drain
// credentials (SHA-256 verifiers only), its plan, and its usage counters. The allocator's
// logs driver creates, changes, rotates, revokes and purges them; the log-drain finds them by
// credential; the dashboard and autoscaling map an instance to its tenant. Every statement
// on these tables is here.
import type pg from 'pg'
import { uuidKey } from '@addonkit/db'

type Queryable = Pick<pg.Pool, 'query'>

export interface NewTenant {
  instanceUuid: string
  drainToken: string | null
  apiUser: string
  apiSecretHash: string
  drainUser: string
  drainSecretHash: string
  plan: string
}

const UPSERT_TENANTS =
  `INSERT INTO log_tenants (id, instance_uuid, drain_token, api_user, api_secret_hash, drain_user, drain_secret_hash, plan)
   SELECT gen_random_uuid(), t.instance_uuid, t.drain_token, t.api_user, t.api_secret_hash, t.drain_user, t.drain_secret_hash, t.plan
     FROM jsonb_to_recordset($1::jsonb) AS t(instance_uuid uuid, drain_token text, api_user text, api_secret_hash text, drain_user text, drain_secret_hash text, plan text)
    ORDER BY t.instance_uuid
   ON CONFLICT (instance_uuid) DO UPDATE SET api_secret_hash = EXCLUDED.api_secret_hash, drain_secret_hash = EXCLUDED.drain_secret_hash,
     drain_token = EXCLUDED.drain_token, plan = EXCLUDED.plan, revoked_at = NULL
   RETURNING instance_uuid, id, api_user, drain_user`

/**
 * Creates the instance's tenant, or (a re-run after a crash) keeps its id and user names and
 * replaces the credentials, which were never handed out. Returns its id and the user names in force.
 */
export async function upsertTenant (db: Queryable, t: NewTenant): Promise<{ id: string, apiUser: string, drainUser: string }> {
  return (await upsertTenants(db, [t]))[0]!
}

/**
 * upsertTenant for several instances in one statement (the allocator group-commits the
 * provisions claimed together): answers in the order given. No two may share an instance
 * (PostgreSQL refuses a statement that updates one row twice). Drain tokens need not be
 * unique: the drain finds a tenant by its drain user and checks the token against it.
 */
export async function upsertTenants (db: Queryable, ts: NewTenant[]): Promise<Array<{ id: string, apiUser: string, drainUser: string }>> {
  const json = JSON.stringify(ts.map((t) => ({
    instance_uuid: t.instanceUuid, drain_token: t.drainToken, api_user: t.apiUser, api_secret_hash: t.apiSecretHash, drain_user: t.drainUser, drain_secret_hash: t.drainSecretHash, plan: t.plan
  })))
  const r = await db.query<{ instance_uuid: string, id: string, api_user: string, drain_user: string }>(UPSERT_TENANTS, [json])
  const byInstance = new Map(r.rows.map((row) => [uuidKey(row.instance_uuid), { id: row.id, apiUser: row.api_user, drainUser: row.drain_user }]))
  // Every row is inserted or updated (a refused one fails the statement), so each has its answer.
  return ts.map((t) => byInstance.get(uuidKey(t.instanceUuid))!)
}

export async function setTenantPlan (db: Queryable, instanceUuid: string, plan: string): Promise<void> {
  await db.query('UPDATE log_tenants SET plan = $2 WHERE instance_uuid = $1', [instanceUuid, plan])
}

/**
 * A new data-API secret; the previous one keeps working until `previousValidUntil`. Returns
 * the data-API user name (unchanged). Throws when the instance has no tenant.
 */
export async function rotateApiSecret (db: Queryable, instanceUuid: string, apiSecretHash: string, previousValidUntil: Date): Promise<{ apiUser: string }> {
  const r = await db.query<{ api_user: string }>(
    `UPDATE log_tenants SET prev_api_secret_hash = api_secret_hash, prev_valid_until = $3, api_secret_hash = $2
      WHERE instance_uuid = $1 RETURNING api_user`, [instanceUuid, apiSecretHash, previousValidUntil])
  if (!r.rows[0]) throw new Error(`instance ${instanceUuid} has no log tenant`)
  return { apiUser: r.rows[0].api_user }
}

/** Every credential of the instance's tenant stops working at once. */
export async function revokeTenant (db: Queryable, instanceUuid: string): Promise<void> {
  await db.query('UPDATE log_tenants SET revoked_at = now(), prev_api_secret_hash = NULL, prev_valid_until = NULL WHERE instance_uuid = $1 AND revoked_at IS NULL', [instanceUuid])
}

/** The tenant id of an add-on instance, if it has one. */
export async function tenantIdOf (db: Queryable, instanceUuid: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM log_tenants WHERE instance_uuid = $1', [instanceUuid])
  return rows[0]?.id ?? null
}

/** How many tenants an instance has (one at most: a unique key; tests count them). */
export async function countTenants (db: Queryable, instanceUuid: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM log_tenants WHERE instance_uuid = $1', [instanceUuid])
  return rows[0]!.n
}

/** The add-on instance of a tenant, if the tenant exists. */
export async function instanceOfTenant (db: Queryable, tenantId: string): Promise<string | null> {
  const { rows } = await db.query<{ instance_uuid: string }>('SELECT instance_uuid FROM log_tenants WHERE id = $1', [tenantId])
  return rows[0]?.instance_uuid ?? null
}

/** When the instance's tenant was created (its first log line can be no older). */
export async function tenantCreatedAt (db: Queryable, instanceUuid: string): Promise<Date | null> {
  const { rows } = await db.query<{ created_at: Date }>('SELECT created_at FROM log_tenants WHERE instance_uuid = $1', [instanceUuid])
  return rows[0]?.created_at ?? null
}

/** A tenant as ingestion and the data API authenticate it. */
export interface TenantRecord {
  id: string
  instanceUuid: string
  plan: string
  /** The Logplex drain token Heroku sent with the provision. */
  drainToken: string | null
  drainUser: string
  drainSecretHash: string
  apiUser: string
  apiSecretHash: string
  prevApiSecretHash: string | null
  /** Epoch ms until which the previous API secret still works. */
  prevValidUntil: number | null
  /** Not revoked and the instance is provisioning or provisioned. */
  live: boolean
  /** Its credentials were revoked (the add-on was deprovisioned). */
  revoked: boolean
  /** The instance's provisioning options (a customer may shorten the retention). */
  options: Record<string, unknown> | null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const KEYS = { drainUser: 't.drain_user', apiUser: 't.api_user', id: 't.id', instanceUuid: 't.instance_uuid' } as const

/** Finds a tenant by its drain user, its data-API user, its id or its instance (null when none). */
export async function findTenant (db: Queryable, by: keyof typeof KEYS, value: string): Promise<TenantRecord | null> {
  // The id column is a uuid: anything else can never match (and would be a SQL error).
  if ((by === 'id' || by === 'instanceUuid') && !UUID.test(value)) return null
  const r = await db.query<{
    id: string, instance_uuid: string, plan: string, drain_token: string | null, drain_user: string, drain_secret_hash: string, api_user: string, api_secret_hash: string,
    prev_api_secret_hash: string | null, prev_valid_until: Date | null, live: boolean, revoked: boolean, options: Record<string, unknown> | null
  }>(
    `SELECT t.id, t.instance_uuid, t.plan, t.drain_token, t.drain_user, t.drain_secret_hash, t.api_user, t.api_secret_hash,
        t.prev_api_secret_hash, t.prev_valid_until, i.options, t.revoked_at IS NOT NULL AS revoked,
        (t.revoked_at IS NULL AND i.state IN ('provisioning', 'provisioned')) AS live
       FROM log_tenants t JOIN instances i ON i.uuid = t.instance_uuid WHERE ${KEYS[by]} = $1`, [value])
  const row = r.rows[0]
  if (!row) return null
  return {
    id: row.id,
    instanceUuid: row.instance_uuid,
    plan: row.plan,
    drainToken: row.drain_token,
    drainUser: row.drain_user,
    drainSecretHash: row.drain_secret_hash,
    apiUser: row.api_user,
    apiSecretHash: row.api_secret_hash,
    prevApiSecretHash: row.prev_api_secret_hash,
    prevValidUntil: row.prev_valid_until ? row.prev_valid_until.getTime() : null,
    live: row.live,
    revoked: row.revoked,
    options: row.options
  }
}

/** Tenants that dropped lines over their quota today (UTC), most first. */
export async function overQuotaToday (db: Queryable): Promise<Array<{ tenantId: string, dropped: number }>> {
  const r = await db.query<{ tenant_id: string, dropped: string }>(
    "SELECT tenant_id, dropped FROM log_usage_daily WHERE day = (now() AT TIME ZONE 'UTC')::date AND dropped > 0 ORDER BY dropped DESC")
  return r.rows.map((row) => ({ tenantId: row.tenant_id, dropped: Number(row.dropped) }))
}

/** Forgets that today's quota notice was sent, so the next dropped batch tries again. */
export async function clearQuotaNotice (db: Queryable, tenantId: string): Promise<void> {
  await db.query("UPDATE log_usage_daily SET quota_notified_at = NULL WHERE tenant_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date", [tenantId])
}

/** A tenant's stored lines, and how many distinct messages they hold (exactly-once checks). */
export async function storedLineCounts (db: Queryable, tenantId: string): Promise<{ total: number, distinct: number }> {
  const r = await db.query<{ total: string, distinct: string }>('SELECT count(*) AS total, count(DISTINCT msg) AS distinct FROM log_lines WHERE tenant_id = $1', [tenantId])
  return { total: Number(r.rows[0]!.total), distinct: Number(r.rows[0]!.distinct) }
}

/** Every stored message of a tenant, oldest first (for checks on small tenants). */
export async function storedMessages (db: Queryable, tenantId: string): Promise<string[]> {
  const r = await db.query<{ msg: string }>('SELECT msg FROM log_lines WHERE tenant_id = $1 ORDER BY ts, seq', [tenantId])
  return r.rows.map((row) => row.msg)
}
