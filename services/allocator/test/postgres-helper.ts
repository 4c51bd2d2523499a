// Shared set-up for the postgres driver tests: an add-on definition with postgres plans (a
// temp file), a platform database, the driver pointed at the test server itself as the
// resource cluster, instance rows, and teardown that drops every tenant database and role
// a test created (names come from random uuids, so parallel test files never collide).
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { findPlan, type AddonDefinition } from '@addonkit/config'
import { createDb, type Db } from '@addonkit/db'
import { KeyRing } from '@addonkit/secrets'
import { createTestDatabase, testEnv, type Teardown, writeAddonDefinition } from '@addonkit/testkit'
import { loadAllocatorConfig, type AllocatorConfig } from '../src/config.js'
import type { DriverContext } from '../src/drivers/driver.js'
import { createPostgresDriver, type PostgresDriver, type PostgresDriverOptions } from '../src/drivers/postgres-driver.js'
import { likePrefix, quoteIdent, tenantNames } from '../src/drivers/postgres-names.js'

export function resourceAdminUrl (): string {
  const url = process.env.ADDONKIT_TEST_PG_ADMIN_URL
  if (!url) throw new Error('ADDONKIT_TEST_PG_ADMIN_URL is not set')
  return url
}

export const PG_PLANS = [
  { slug: 'db-micro', name: 'DB Micro', price_cents_per_month: 100, driver: 'postgres', limits: { connection_limit: 2, statement_timeout_ms: 500, storage_mb: 5 } },
  { slug: 'db-small', name: 'DB Small', price_cents_per_month: 500, driver: 'postgres', limits: { connection_limit: 3, statement_timeout_ms: 500, storage_mb: 20 } },
  { slug: 'db-large', name: 'DB Large', price_cents_per_month: 5000, driver: 'postgres', limits: { connection_limit: 10, statement_timeout_ms: 2000, storage_mb: 1000 } }
]

/** Writes the default definition plus postgres plans to a temp file. */
export function writePgAddonDefinition (): string {
  return writeAddonDefinition((def) => {
    def.config_vars = [...new Set([...def.config_vars, 'ADDONKIT_DATABASE_URL'])]
    def.plans.push(...PG_PLANS)
  })
}

export interface PgFixture {
  config: AllocatorConfig
  addon: AddonDefinition
  db: Db
  driver: PostgresDriver
  /** Another driver on the same cluster (e.g. "after the restart", without fault hooks). */
  newDriver (opts?: Omit<PostgresDriverOptions, 'adminUrl'>): PostgresDriver
  /** Inserts an instance row (the audit log references it) and returns its uuid. */
  newInstance (plan: string): Promise<string>
  ctx (uuid: string, plan: string, graceSeconds?: number): DriverContext
  /** The databases and roles on the cluster derived from this instance's uuid. */
  tenantObjects (uuid: string): Promise<{ databases: string[], roles: string[] }>
}

export async function pgFixture (t: Teardown, opts: Omit<PostgresDriverOptions, 'adminUrl'> = {}): Promise<PgFixture> {
  const adminUrl = resourceAdminUrl()
  const config = loadAllocatorConfig(testEnv({ DATABASE_URL: await createTestDatabase(t), NATS_URL: 'nats://127.0.0.1:1', ADDON_DEFINITION: writePgAddonDefinition(), RESOURCE_PG_ADMIN_URL: adminUrl, LOG_LEVEL: 'silent' }))
  const db = createDb(config.databaseUrl)
  const keyRing = new KeyRing(config.encryptionKeys)
  const uuids: string[] = []
  const drivers: PostgresDriver[] = []
  const newDriver = (o: Omit<PostgresDriverOptions, 'adminUrl'> = {}) => { const d = createPostgresDriver({ adminUrl, ...o }); drivers.push(d); return d }
  const driver = newDriver(opts)
  // Teardown runs in reverse order: tenants are dropped before the pools close.
  t.teardown(async () => { for (const d of drivers) await d.close(); await db.close() })
  t.teardown(() => dropTenants(adminUrl, uuids))
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: adminUrl }); await c.connect()
    try { return await fn(c) } finally { await c.end() }
  }
  return {
    config, addon: config.addon, db, driver, newDriver,
    async newInstance (plan) {
      const uuid = randomUUID()
      uuids.push(uuid)
      await db.prisma.instance.create({ data: { uuid, plan, region: 'us', driver: 'postgres' } })
      return uuid
    },
    ctx (uuid, plan, graceSeconds = 300) {
      const p = findPlan(config.addon, plan)
      if (!p) throw new Error(`no plan ${plan}`)
      return { instance: { uuid, plan, region: 'us', options: {}, logDrainToken: null }, plan: p, addon: config.addon, db, keyRing, drainPublicUrl: config.drainPublicUrl, credentialGraceSeconds: graceSeconds }
    },
    tenantObjects: (uuid) => tenantObjects(admin, uuid)
  }
}

async function tenantObjects (admin: <T>(fn: (c: pg.Client) => Promise<T>) => Promise<T>, uuid: string) {
  const n = tenantNames(uuid)
  return admin(async (c) => ({
    databases: (await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [likePrefix(n.database)])).rows.map((r) => r.datname as string),
    roles: (await c.query('SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1', [likePrefix(n.database)])).rows.map((r) => r.rolname as string)
  }))
}

export async function dropTenants (adminUrl: string, uuids: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl })
  await c.connect()
  try {
    for (const uuid of uuids) {
      const n = tenantNames(uuid)
      // A killed allocator's backend may still be creating the database: end it first.
      await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'", [n.database])
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(n.database)} WITH (FORCE)`).catch(() => {})
      const roles = (await c.query('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [likePrefix(n.database)])).rows.map((r) => r.rolname as string)
      for (const r of roles.sort((a, b) => (a.endsWith('_owner') ? 1 : 0) - (b.endsWith('_owner') ? 1 : 0))) await c.query(`DROP ROLE IF EXISTS ${quoteIdent(r)}`).catch(() => {})
    }
  } finally { await c.end() }
}

/** An app-side client on a config var URL; closed at teardown. */
export async function appClient (t: Teardown, url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => {}) // terminated by the server in some tests; the next query reports it
  await c.connect()
  t.teardown(() => c.end().catch(() => {}))
  return c
}

/** The PostgreSQL error code a promise rejects with ('' when it resolves). */
export async function pgErrorCode (p: Promise<unknown>): Promise<string> {
  try { await p; return '' } catch (err) { return (err as { code?: string }).code ?? String(err) }
}

export const databaseUrlOf = (out: { config: Record<string, string> }) => out.config.ADDONKIT_DATABASE_URL!

/** Connects and disconnects; returns the error code of a refused connection ('' when it worked). */
export async function connectCode (url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => {})
  const code = await pgErrorCode(c.connect())
  await c.end().catch(() => {})
  return code
}

/** The same URL for another user (same password) or another database. */
export function withDatabase (url: string, database: string): string {
  const u = new URL(url); u.pathname = '/' + database; return u.toString()
}
