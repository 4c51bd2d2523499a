// The resource cluster: the PostgreSQL server (RESOURCE_PG_ADMIN_URL) on which the
// `postgres` driver creates one database per instance. One admin pool; short-lived admin
// connections to a tenant database for the statements that must run inside it.
import pg from 'pg'
import { likePrefix, quoteIdent, quoteLiteral, TENANT_PREFIX } from './postgres-names.js'

/** What the driver records on each tenant database (COMMENT ON DATABASE), so the quota
 *  enforcer finds the instance and its limits in the cluster itself. Not secret. */
export interface TenantMeta {
  instance: string
  storage_mb: number
  statement_timeout_ms: number
  connection_limit: number
}

export interface TenantDatabaseRow {
  database: string
  meta: TenantMeta | null
  bytes: number
  readOnly: boolean
  connections: number
}

const READ_ONLY_SETTING = 'default_transaction_read_only=on'

/**
 * The bound on every statement of the admin pool. DROP DATABASE waits until every session
 * of the cluster has acknowledged a signal, and a session in COPY FROM STDIN waiting for
 * its client's data (any tenant's app) acknowledges nothing until the data comes: the
 * drop would wait as long as that client does. Cancelled, the drop leaves the database
 * marked invalid; the retry's DROP DATABASE IF EXISTS removes it.
 */
export const ADMIN_STATEMENT_TIMEOUT_MS = 60_000

export class ResourceCluster {
  readonly pool: pg.Pool
  readonly #admin: URL

  constructor (adminUrl: string, poolSize = 10, statementTimeoutMs = ADMIN_STATEMENT_TIMEOUT_MS) {
    this.#admin = new URL(adminUrl)
    // Admin statements are short; one that cannot finish must fail the attempt (the outbox
    // retries it with backoff), not hang it while the heartbeat keeps its lease alive.
    this.pool = new pg.Pool({ connectionString: adminUrl, max: poolSize, idleTimeoutMillis: 10_000, statement_timeout: statementTimeoutMs })
    this.pool.on('error', () => {}) // an idle client lost (server restart): the pool replaces it
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow> (sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(sql, params)
  }

  /** A URL on the cluster's host and port (and query options such as sslmode). */
  urlFor (database: string, user?: string, password?: string): string {
    const u = new URL(this.#admin.toString())
    u.pathname = '/' + encodeURIComponent(database)
    if (user !== undefined) { u.username = encodeURIComponent(user); u.password = encodeURIComponent(password ?? '') }
    return u.toString()
  }

  /** Runs fn on an admin connection to a tenant database (schema ownership, REASSIGN OWNED). */
  async inDatabase<T> (database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: this.urlFor(database) })
    c.on('error', () => {})
    await c.connect()
    try { return await fn(c) } finally { await c.end().catch(() => {}) }
  }

  async roleExists (name: string): Promise<boolean> {
    return (await this.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1
  }

  async databaseExists (name: string): Promise<boolean> {
    return (await this.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1
  }

  /** Ends the sessions of a database and/or of some roles (never the caller's own). */
  async terminate (opts: { database?: string, users?: string[] }): Promise<number> {
    const r = await this.query<{ n: string }>(
      `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND (datname = $1 OR usename = ANY($2::text[]))`,
      [opts.database ?? null, opts.users ?? []])
    return Number(r.rows[0]?.n ?? 0)
  }

  async writeMeta (database: string, meta: TenantMeta): Promise<void> {
    await this.query(`COMMENT ON DATABASE ${quoteIdent(database)} IS ${quoteLiteral(JSON.stringify(meta))}`)
  }

  /** Tenant databases with their size, read-only flag and session count (one name, or all). */
  async tenantDatabases (only?: string, client: Pick<pg.ClientBase, 'query'> = this.pool): Promise<TenantDatabaseRow[]> {
    const r = await client.query<{ datname: string, meta: string | null, bytes: string, read_only: boolean, connections: string }>(
      `SELECT d.datname, shobj_description(d.oid, 'pg_database') AS meta, pg_database_size(d.oid)::text AS bytes,
              coalesce($3 = ANY(s.setconfig), false) AS read_only,
              (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid AND a.backend_type = 'client backend')::text AS connections
         FROM pg_database d
         LEFT JOIN pg_db_role_setting s ON s.setdatabase = d.oid AND s.setrole = 0
        WHERE d.datname LIKE $1 AND NOT d.datistemplate AND d.datconnlimit <> -2 AND ($2::text IS NULL OR d.datname = $2)`,
      [likePrefix(TENANT_PREFIX), only ?? null, READ_ONLY_SETTING])
    return r.rows.map((row) => ({ database: row.datname, meta: parseMeta(row.meta), bytes: Number(row.bytes), readOnly: row.read_only, connections: Number(row.connections) }))
  }

  async close (): Promise<void> { await this.pool.end() }
}

function parseMeta (text: string | null): TenantMeta | null {
  if (!text) return null
  try {
    const m = JSON.parse(text) as TenantMeta
    return typeof m.instance === 'string' && typeof m.storage_mb === 'number' ? m : null
  } catch { return null }
}

export function megabytes (bytes: number): number {
  return Math.round(bytes / 1024 / 1024 * 10) / 10
}
