// Every bundled example definition (packages/config/examples), end to end: the real stack
// started with ADDON_DEFINITION=<name>, then each plan provisioned through the simulator's
// Heroku driver, its resource used, deprovisioned (credentials revoked) and purged.
//
// The postgres driver creates its tenant databases on the test server itself, as the
// allocator's postgres tests do (RESOURCE_PG_ADMIN_URL = ADDONKIT_TEST_PG_ADMIN_URL); the
// names derive from random uuids, so parallel test files never collide. The gateway has
// no direct `pg` dependency: connections go through @addonkit/db's raw pool, which is pg.
import t, { type Test } from 'tap'
import { findTenant } from '@addonkit/log-store'
import { driverConfigVars, EXAMPLE_ADDON_DEFINITIONS, loadConfig, type AddonDefinition, type DriverName, type PlanDefinition } from '@addonkit/config'
import { createDb, type Db } from '@addonkit/db'
import { sha256Hex } from '@addonkit/secrets'
import { eventually, type Teardown } from '@addonkit/testkit'
import { startStack, type Stack } from './helper.js'

function resourceAdminUrl (): string {
  const url = process.env.ADDONKIT_TEST_PG_ADMIN_URL
  if (!url) throw new Error('ADDONKIT_TEST_PG_ADMIN_URL is not set')
  return url
}

/** A pool of one connection on `url`, closed at teardown at the latest. */
function connect (t: Teardown, url: string): Db {
  const db = createDb(url, { poolSize: 1 })
  t.teardown(() => db.close().catch(() => {}))
  return db
}

/** The SQLSTATE a connection attempt fails with ('' when it succeeds). */
async function connectError (url: string): Promise<string> {
  const db = createDb(url, { poolSize: 1 })
  try { await db.pool.query('SELECT 1'); return '' } catch (err) { return (err as { code?: string }).code ?? String(err) } finally { await db.close().catch(() => {}) }
}

const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1))

/**
 * Drops what a failed run left on the shared server (a passing run leaves nothing: the
 * purge drops it). The owner and login roles are named after the database.
 */
async function dropLeftovers (admin: Db, databases: string[]): Promise<void> {
  for (const name of databases) {
    await admin.pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {})
    const roles = (await admin.pool.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1 || '_') ORDER BY rolname LIKE '%\\_owner'", [name])).rows
    for (const r of roles) await admin.pool.query(`DROP ROLE IF EXISTS "${r.rolname}"`).catch(() => {})
  }
}

/** Provisions `plan`; returns the config vars the app got (from the 200, or pushed after a 202). */
async function provision (t: Test, s: Stack, addon: AddonDefinition, plan: PlanDefinition) {
  const r = await s.heroku.provision({ plan: plan.slug })
  t.ok(r.status === 200 || r.status === 202, `provision answered ${r.status}`)
  t.notOk(r.rejected, 'Heroku accepts the answer')
  t.equal(r.body.id, r.uuid)
  const addonState = await s.heroku.waitForState(r.uuid, 'provisioned', 20_000)
  const config = r.status === 200 ? r.body.config as Record<string, string> : addonState.config
  t.same(Object.keys(config).sort(), driverConfigVars(plan.driver as DriverName, addon.config_vars_prefix).sort(), 'config vars: exactly the driver\'s')
  t.same(addonState.config, config, 'the app has them')
  const inst = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
  t.match(inst, { state: 'provisioned', plan: plan.slug, driver: plan.driver })
  // Only the logs driver hands out a drain, and only to an add-on that requires syslog_drain.
  if (r.status === 200) t.equal(typeof r.body.log_drain_url === 'string', plan.driver === 'logs' && addon.requires.includes('syslog_drain'), 'log_drain_url iff a logs plan of a syslog_drain add-on')
  if (addon.requires.includes('log_input')) {
    await eventually(() => addonState.logLines.some((l) => l.includes(`${addon.name} is provisioned on the ${plan.slug} plan.`)))
    t.pass('the add-on event reached the app\'s log stream')
  }
  return { uuid: r.uuid, config }
}

t.test('each example definition provisions, serves and deprovisions on every plan', async (t) => {
  const adminUrl = resourceAdminUrl()
  const admin = connect(t, adminUrl)
  const handedOut: string[] = []
  t.teardown(() => dropLeftovers(admin, handedOut))

  for (const name of EXAMPLE_ADDON_DEFINITIONS) {
    t.test(`ADDON_DEFINITION=${name}`, async (t) => {
      // A short purge grace, so each plan's data is seen purged within the test.
      const s = await startStack(t, { env: { ADDON_DEFINITION: name, RESOURCE_PG_ADMIN_URL: adminUrl, PURGE_GRACE_SECONDS: '1' } })
      const { addon } = loadConfig(s.env, [])
      t.equal(s.sim.manifest.id, addon.id)
      t.ok(addon.plans.length >= 2)

      for (const plan of addon.plans) {
        t.test(`${plan.slug} (${plan.driver})`, async (t) => {
          const { uuid, config } = await provision(t, s, addon, plan)
          const [urlVar] = driverConfigVars(plan.driver as DriverName, addon.config_vars_prefix)
          const url = config[urlVar!]!

          if (plan.driver === 'postgres') {
            handedOut.push(databaseOf(url))
            const app = connect(t, url)
            const who = await app.pool.query('SELECT current_user AS login, current_database() AS db, current_setting(\'statement_timeout\') AS timeout')
            t.equal(who.rows[0].db, databaseOf(url), 'connected to its own database')
            await app.pool.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)')
            await app.pool.query("INSERT INTO notes (body) VALUES ('hello'), ('world')")
            t.same((await app.pool.query('SELECT body FROM notes ORDER BY id')).rows.map((x) => x.body), ['hello', 'world'], 'tables are writable and readable')
            const limits = await app.pool.query<{ conn: number, timeout: string }>("SELECT datconnlimit AS conn, (SELECT setting FROM pg_settings WHERE name = 'statement_timeout') AS timeout FROM pg_database WHERE datname = current_database()")
            t.equal(limits.rows[0]!.conn, plan.limits.connection_limit, 'connection_limit applied')
            t.equal(Number(limits.rows[0]!.timeout), plan.limits.statement_timeout_ms, 'statement_timeout_ms applied')
            await app.close()
          } else {
            const tenant = (await findTenant(s.db.pool, 'instanceUuid', uuid))!
            t.equal(tenant.plan, plan.slug)
            t.equal(tenant.revoked, false)
            // No log-drain runs in this stack: the data API's credentials are those of the tenant row.
            const u = new URL(url)
            t.equal(decodeURIComponent(u.username), tenant.apiUser, 'the URL names the tenant')
            t.equal(sha256Hex(decodeURIComponent(u.password)), tenant.apiSecretHash, 'with its secret')
          }

          const del = await s.heroku.deprovision(uuid)
          t.equal(del.status, 204, 'deprovision answered 204')
          t.equal(s.sim.addons.get(uuid)!.state, 'deprovisioned')
          t.equal((await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid } })).state, 'deprovisioned')

          if (plan.driver === 'postgres') {
            // 28000: the login still exists but may no longer log in; then it is gone (purged).
            t.match(await eventually(async () => { const code = await connectError(url); return code !== '' && code }), /^(28000|28P01|3D000)$/, 'credentials revoked')
          } else {
            await eventually(async () => (await findTenant(s.db.pool, 'instanceUuid', uuid))?.revoked)
            t.pass('tenant revoked')
          }
          const purged = await eventually(async () => (await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid } })).purgedAt, 20_000)
          t.ok(purged, 'purged after the grace period')
          if (plan.driver === 'postgres') {
            const left = await admin.pool.query("SELECT datname FROM pg_database WHERE datname = $1 UNION ALL SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1 || '_')", [databaseOf(url)])
            t.same(left.rows, [], 'database and roles dropped')
          }
        })
      }
    })
  }
})
