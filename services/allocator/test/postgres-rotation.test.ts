// Credential rotation under load: an app keeps querying, and on its "release" reconnects
// with the new config var; no query fails. The old login works during the grace period,
// then PostgreSQL refuses it and the enforcer drops it.
import t from 'tap'
import pg from 'pg'
import { appClient, connectCode, databaseUrlOf, pgFixture } from './postgres-helper.js'
import { tenantNames } from '../src/drivers/postgres-names.js'

t.test('rotation with zero failed queries', async (t) => {
  const f = await pgFixture(t)
  const uuid = await f.newInstance('db-large')
  const names = tenantNames(uuid)
  const oldUrl = databaseUrlOf(await f.driver.allocate(f.ctx(uuid, 'db-large')))
  const setup = await appClient(t, oldUrl)
  await setup.query('CREATE TABLE hits (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())')

  // The app: a pool on its current URL, querying in a loop; a release swaps the pool.
  let pool = new pg.Pool({ connectionString: oldUrl, max: 2 })
  let ok = 0
  const failures: string[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      try {
        await pool.query('INSERT INTO hits DEFAULT VALUES')
        await pool.query('SELECT count(*) FROM hits')
        ok++
      } catch (err) { failures.push((err as Error).message) }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 300))

  const out = await f.driver.rotateCredentials(f.ctx(uuid, 'db-large', 2))
  const newUrl = databaseUrlOf(out)
  t.not(newUrl, oldUrl)
  t.equal(new URL(newUrl).username, names.login(2))
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(await connectCode(oldUrl), '', 'the old URL still works during the grace period')

  // The release: new pool first, then the old one drains.
  const old = pool
  pool = new pg.Pool({ connectionString: newUrl, max: 2 })
  await old.end()
  await new Promise((resolve) => setTimeout(resolve, 2500))
  const enforcer = f.driver.startQuotaEnforcer({ db: f.db, intervalMs: 60_000 })
  t.teardown(() => enforcer.stop())
  // The enforcer's own first pass may get there before this one: check the state, not the report.
  await enforcer.runOnce({ wait: true })
  t.same((await f.tenantObjects(uuid)).roles, [names.login(2), names.owner], 'the expired login is dropped')
  await new Promise((resolve) => setTimeout(resolve, 300))
  running = false
  await loop
  await pool.end()

  t.same(failures, [], 'zero failed queries')
  t.ok(ok > 50, `${ok} successful query pairs`)
  t.not(await connectCode(oldUrl), '', 'the old URL is refused after the grace period')
  const c = await appClient(t, newUrl)
  t.equal((await c.query("SELECT tableowner FROM pg_tables WHERE tablename = 'hits'")).rows[0].tableowner, names.owner, 'one owner across logins')
  await c.query('CREATE TABLE after_rotation (v int)')
})
