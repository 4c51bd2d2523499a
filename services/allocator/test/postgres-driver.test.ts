// The postgres driver against real PostgreSQL: the app-side flow through the config var,
// least privilege and isolation between tenants, the limits PostgreSQL enforces itself,
// usage, plan checks and live plan changes.
import t from 'tap'
import { appClient, connectCode, databaseUrlOf, pgErrorCode, pgFixture, withDatabase } from './postgres-helper.js'
import { tenantNames } from '../src/drivers/postgres-names.js'

t.test('postgres driver', async (t) => {
  const f = await pgFixture(t)
  const a = await f.newInstance('db-small')
  const b = await f.newInstance('db-small')
  const outA = await f.driver.allocate(f.ctx(a, 'db-small'))
  const outB = await f.driver.allocate(f.ctx(b, 'db-small'))
  const urlA = databaseUrlOf(outA)
  const urlB = databaseUrlOf(outB)

  t.test('the config var is a postgres URL on the cluster with a ≥ 32-byte password', async (t) => {
    t.same(Object.keys(outA.config), ['ADDONKIT_DATABASE_URL'])
    const u = new URL(urlA)
    t.equal(u.protocol, 'postgres:')
    t.equal(u.pathname, '/' + tenantNames(a).database)
    t.equal(u.username, tenantNames(a).login(1))
    t.ok(Buffer.from(decodeURIComponent(u.password), 'base64url').length >= 32, 'password of at least 32 random bytes')
  })

  t.test('an app-side client creates a table, inserts and selects', async (t) => {
    const c = await appClient(t, urlA)
    await c.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)')
    await c.query('INSERT INTO notes (body) VALUES ($1), ($2)', ['hello', 'world'])
    const r = await c.query('SELECT body FROM notes ORDER BY id')
    t.same(r.rows.map((x) => x.body), ['hello', 'world'])
    const who = (await c.query('SELECT current_user, session_user')).rows[0]
    t.equal(who.current_user, tenantNames(a).owner, 'the session acts as the owner role')
    t.equal(who.session_user, tenantNames(a).login(1))
    const owner = (await c.query("SELECT tableowner FROM pg_tables WHERE tablename = 'notes'")).rows[0]
    t.equal(owner.tableowner, tenantNames(a).owner, 'tables belong to the owner role, not the login')
  })

  t.test('least privilege: no superuser, createdb, createrole or replication', async (t) => {
    const c = await appClient(t, urlA)
    const r = await c.query('SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = ANY($1)', [[tenantNames(a).owner, tenantNames(a).login(1)]])
    t.equal(r.rowCount, 2)
    for (const row of r.rows) t.same([row.rolsuper, row.rolcreatedb, row.rolcreaterole, row.rolreplication, row.rolbypassrls], [false, false, false, false, false], row.rolname)
    const pub = (await c.query("SELECT has_database_privilege('public', current_database(), 'CONNECT') AS db, has_schema_privilege('public', 'public', 'USAGE') AS schema")).rows[0]
    t.same(pub, { db: false, schema: false }, 'PUBLIC may neither connect nor use the schema')
    t.equal((await c.query("SELECT nspowner::regrole::text AS o FROM pg_namespace WHERE nspname = 'public'")).rows[0].o, tenantNames(a).owner)
  })

  t.test('isolation: A cannot reach B, nor create roles or databases', async (t) => {
    t.equal(await connectCode(withDatabase(urlA, tenantNames(b).database)), '42501', 'A is refused on B\'s database')
    t.equal(await connectCode(withDatabase(urlB, tenantNames(a).database)), '42501', 'B is refused on A\'s database')
    const c = await appClient(t, urlA)
    t.equal(await pgErrorCode(c.query('CREATE ROLE intruder LOGIN')), '42501', 'CREATE ROLE refused')
    t.equal(await pgErrorCode(c.query('CREATE DATABASE intruder')), '42501', 'CREATE DATABASE refused')
    t.equal(await pgErrorCode(c.query(`SET ROLE "${tenantNames(b).owner}"`)), '42501', 'cannot become B\'s owner')
    // Catalogs are per database: from A, B's tables are not even visible.
    const cb = await appClient(t, urlB)
    await cb.query('CREATE TABLE secrets (v text)')
    t.equal((await c.query("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'secrets'")).rows[0].n, 0)
  })

  t.test('a connection beyond the plan\'s limit is refused', async (t) => {
    const extra = await f.newInstance('db-small')
    const url = databaseUrlOf(await f.driver.allocate(f.ctx(extra, 'db-small')))
    for (let i = 0; i < 3; i++) await appClient(t, url)
    t.equal(await connectCode(url), '53300', 'the 4th connection: too many connections')
  })

  t.test('a statement beyond the timeout is cancelled', async (t) => {
    const c = await appClient(t, urlA)
    const started = Date.now()
    t.equal(await pgErrorCode(c.query('SELECT pg_sleep(3)')), '57014', 'canceling statement due to statement timeout')
    t.ok(Date.now() - started < 2500)
    t.same((await c.query('SELECT 1 AS ok')).rows, [{ ok: 1 }], 'the session goes on')
  })

  t.test('usage reports size and connections against the plan', async (t) => {
    const c = await appClient(t, urlA)
    await c.query('SELECT 1')
    const m = await f.driver.usage(f.ctx(a, 'db-small'))
    const storage = m.find((x) => x.name === 'storage')!
    const conns = m.find((x) => x.name === 'connections')!
    t.ok(storage.used > 1 && storage.used < 20, `storage ${storage.used} MB`)
    t.equal(storage.limit, 20)
    t.ok(conns.used >= 1, `connections ${conns.used}`)
    t.equal(conns.limit, 3)
  })

  t.test('a downgrade below current usage is refused with the sizes', async (t) => {
    const r = await f.driver.checkPlanChange(f.ctx(a, 'db-small'), f.ctx(a, 'db-micro').plan)
    t.equal(r.allowed, false)
    t.match(r.reason, /uses \d+(\.\d)? MB, more than the DB Micro plan's 5 MB/)
    t.same(await f.driver.checkPlanChange(f.ctx(a, 'db-small'), f.ctx(a, 'db-large').plan), { allowed: true })
  })

  t.test('a plan change applies limits live; open sessions keep running', async (t) => {
    const c = await appClient(t, urlA)
    await c.query('BEGIN')
    await c.query('INSERT INTO notes (body) VALUES ($1)', ['during'])
    t.same(await f.driver.changePlan(f.ctx(a, 'db-small'), f.ctx(a, 'db-large').plan), {})
    await c.query('COMMIT')
    t.equal((await c.query('SELECT count(*)::int AS n FROM notes')).rows[0].n, 3, 'the open transaction committed')
    const more = []
    for (let i = 0; i < 5; i++) more.push(await appClient(t, urlA))
    t.equal(more.length, 5, 'more than the old limit of 3')
    t.same((await more[0]!.query('SELECT 1 AS ok FROM pg_sleep(1)')).rows, [{ ok: 1 }], 'a 1 s statement fits the new 2 s timeout')
    const usage = await f.driver.usage(f.ctx(a, 'db-large'))
    t.equal(usage.find((x) => x.name === 'connections')!.limit, 10)
  })
})
