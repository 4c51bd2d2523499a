// The storage quota: over storage_mb the enforcer makes the database read-only (writes fail
// with PostgreSQL's own error, reads work) and tells the customer in the audit log; an
// upgrade, or deleting data, makes it writable again.
import t from 'tap'
import { appClient, databaseUrlOf, pgErrorCode, pgFixture } from './postgres-helper.js'
import { tenantNames } from '../src/drivers/postgres-names.js'
import { startHerokuSim } from '@addonkit/heroku-sim'
import { appLogNotifier } from '../src/app-log-notifier.js'
import { contexts } from '@addonkit/secrets'

// ~1 KB rows of random hex, stored uncompressed (below the TOAST threshold).
const FILL = `INSERT INTO blob (body) SELECT (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32) i) FROM generate_series(1, $1::int) g`

t.test('storage quota', async (t) => {
  const f = await pgFixture(t)
  const uuid = await f.newInstance('db-small')
  const url = databaseUrlOf(await f.driver.allocate(f.ctx(uuid, 'db-small')))
  const database = tenantNames(uuid).database
  // The instance's app log stream, as Heroku's log input would receive it (protocol §11.2).
  const sim = await startHerokuSim({ clientSecret: 'unused-secret', manifest: { id: 'addonkit', api: { config_vars: [], password: 'unused-password', sso_salt: 'unused', production: { base_url: 'https://x', sso_url: 'https://x' }, test: { base_url: 'http://x', sso_url: 'http://x' } } } })
  t.teardown(() => sim.close())
  sim.registerAddon(uuid)
  const ctx0 = f.ctx(uuid, 'db-small')
  await f.db.pool.query('UPDATE instances SET log_input_url_enc = $2 WHERE uuid = $1', [uuid, ctx0.keyRing.seal(sim.logInputUrl(uuid), contexts.logInputUrl(uuid))])
  const enforcer = f.driver.startQuotaEnforcer({ db: f.db, intervalMs: 60_000, notify: appLogNotifier(f.db, ctx0.keyRing, { id: 'addonkit', name: 'Addonkit test' }) })
  t.teardown(() => enforcer.stop())
  const auditOf = (event: string) => f.db.prisma.auditEvent.findMany({ where: { instanceUuid: uuid, event }, orderBy: { id: 'asc' } })

  t.test('under quota nothing changes', async (t) => {
    const c = await appClient(t, url)
    await c.query('CREATE TABLE blob (id serial PRIMARY KEY, body text NOT NULL)')
    await c.query(FILL, [1000])
    const r = await enforcer.runOnce({ wait: true })
    t.notOk(r.madeReadOnly.includes(database))
  })

  t.test('over quota: writes fail with the read-only error, reads work, the customer is told', async (t) => {
    const c = await appClient(t, url)
    await c.query('SET statement_timeout = 0') // the plan's 500 ms would cancel the bulk load
    await c.query(FILL, [16_000])
    const r = await enforcer.runOnce({ wait: true })
    t.ok(r.madeReadOnly.includes(database), 'made read-only')
    t.not(await pgErrorCode(c.query('SELECT 1')), '', 'the open session was ended to pick up the mode')
    const again = await appClient(t, url)
    t.equal(await pgErrorCode(again.query('INSERT INTO blob (body) VALUES ($1)', ['x'])), '25006', 'read_only_sql_transaction')
    t.equal((await again.query('SELECT count(*)::int AS n FROM blob')).rows[0].n, 17_000, 'reads work')
    const [entry] = await auditOf('storage_quota_exceeded')
    t.ok(entry, 'audit entry for the dashboard')
    t.match(entry!.detail, { limit_mb: 20, message: /read-only/ })
    t.ok((entry!.detail as { used_mb: number }).used_mb > 20)
    t.match(sim.addons.get(uuid)!.logLines, [/read-only until data is deleted/], 'and in the app\'s log stream')
    t.notOk((await enforcer.runOnce({ wait: true })).madeReadOnly.includes(database), 'idempotent: no second transition')
    t.equal((await auditOf('storage_quota_exceeded')).length, 1)
    const storage = (await f.driver.usage(f.ctx(uuid, 'db-small'))).find((m) => m.name === 'storage')!
    t.ok(storage.used > storage.limit!, `usage shows ${storage.used} of ${storage.limit} MB`)
  })

  t.test('a downgrade check names the sizes', async (t) => {
    const r = await f.driver.checkPlanChange(f.ctx(uuid, 'db-large'), f.ctx(uuid, 'db-small').plan)
    t.equal(r.allowed, false)
    t.match(r.reason, /more than the DB Small plan's 20 MB/)
  })

  t.test('after an upgrade writes work again', async (t) => {
    await f.driver.changePlan(f.ctx(uuid, 'db-small'), f.ctx(uuid, 'db-large').plan)
    const c = await appClient(t, url)
    await c.query('INSERT INTO blob (body) VALUES ($1)', ['after upgrade'])
    t.equal((await c.query('SELECT count(*)::int AS n FROM blob')).rows[0].n, 17_001)
    t.match(await auditOf('storage_quota_restored'), [{ outcome: 'ok', detail: { limit_mb: 1000 } }])
  })

  t.test('back to the small plan, then deleting data gives writes back', async (t) => {
    await f.driver.changePlan(f.ctx(uuid, 'db-large'), f.ctx(uuid, 'db-small').plan)
    const c = await appClient(t, url)
    t.equal(await pgErrorCode(c.query('INSERT INTO blob (body) VALUES ($1)', ['x'])), '25006', 'read-only again at once')
    // The customer frees space in an explicitly read-write transaction (the audit message says how).
    await c.query('BEGIN; SET TRANSACTION READ WRITE; DROP TABLE blob; COMMIT')
    const r = await enforcer.runOnce({ wait: true })
    t.ok(r.madeWritable.includes(database), 'writable once usage dropped')
    const d = await appClient(t, url)
    await d.query('CREATE TABLE fresh (v int)')
    await d.query('INSERT INTO fresh VALUES (1)')
    t.equal((await auditOf('storage_quota_restored')).length, 2)
  })
})
