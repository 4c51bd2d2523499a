// Crashes in the middle of driver methods: a fault hook throws after each step (the
// process "dies" there), then a fresh driver runs the method again, as the outbox would
// after a restart. Each run must converge to exactly one database and the expected roles.
// Last, a purge whose DROP DATABASE cannot finish: it fails in bounded time and is retried.
import t from 'tap'
import { finished } from 'node:stream/promises'
import copyStreams from 'pg-copy-streams'
import { appClient, connectCode, databaseUrlOf, pgErrorCode, pgFixture } from './postgres-helper.js'
import { tenantNames } from '../src/drivers/postgres-names.js'

const { from: copyFrom } = copyStreams

class Crash extends Error { override name = "Crash" }

function crashAt (method: string, step: string) {
  return (m: string, s: string) => { if (m === method && s === step) throw new Crash(`crash after ${m}/${s}`) }
}

t.test('allocation resumes after a crash at every step', async (t) => {
  const f = await pgFixture(t)
  for (const step of ['owner-role', 'login-role', 'database', 'configured']) {
    t.test(`crash after ${step}`, async (t) => {
      const uuid = await f.newInstance('db-small')
      const n = tenantNames(uuid)
      const crashing = f.newDriver({ onStep: crashAt('allocate', step) })
      await t.rejects(crashing.allocate(f.ctx(uuid, 'db-small')), { message: /crash after/ })
      const out = await f.newDriver().allocate(f.ctx(uuid, 'db-small'))
      t.same(await f.tenantObjects(uuid), { databases: [n.database], roles: [n.login(1), n.owner] }, 'one database, one owner, one login')
      const c = await appClient(t, databaseUrlOf(out))
      await c.query('CREATE TABLE t (v int)')
      t.equal((await c.query("SELECT has_database_privilege('public', current_database(), 'CONNECT') AS p")).rows[0].p, false, 'privileges applied')
      // A third run (the config was lost before it was stored) hands out a new password.
      const again = await f.driver.allocate(f.ctx(uuid, 'db-small'))
      t.not(await connectCode(databaseUrlOf(out)), '', 'the password never handed out is reset')
      t.equal(await connectCode(databaseUrlOf(again)), '')
      t.same((await f.tenantObjects(uuid)).databases, [n.database])
    })
  }
})

t.test('plan change, rotation, deprovision and purge resume after a crash', async (t) => {
  const f = await pgFixture(t)
  const uuid = await f.newInstance('db-small')
  const n = tenantNames(uuid)
  await f.driver.allocate(f.ctx(uuid, 'db-small'))
  let current = ''

  t.test('plan change', async (t) => {
    await t.rejects(f.newDriver({ onStep: crashAt('changePlan', 'limits') }).changePlan(f.ctx(uuid, 'db-small'), f.ctx(uuid, 'db-large').plan), { message: /crash after/ })
    await f.driver.changePlan(f.ctx(uuid, 'db-small'), f.ctx(uuid, 'db-large').plan)
    const r = await f.driver.cluster.query('SELECT datconnlimit FROM pg_database WHERE datname = $1', [n.database])
    t.equal(r.rows[0]!.datconnlimit, 10)
  })

  t.test('rotation: a login created by a crashed run is never handed out and expires', async (t) => {
    await t.rejects(f.newDriver({ onStep: crashAt('rotateCredentials', 'login-role') }).rotateCredentials(f.ctx(uuid, 'db-large', 0)), { message: /crash after/ })
    const out = await f.driver.rotateCredentials(f.ctx(uuid, 'db-large', 0))
    t.equal(new URL(databaseUrlOf(out)).username, n.login(3))
    const enforcer = f.driver.startQuotaEnforcer({ db: f.db, intervalMs: 60_000 })
    t.teardown(() => enforcer.stop())
    await new Promise((resolve) => setTimeout(resolve, 50))
    await enforcer.runOnce({ wait: true })
    t.same((await f.tenantObjects(uuid)).roles, [n.login(3), n.owner], 'only the current login is left')
    current = databaseUrlOf(out)
    t.equal(await connectCode(current), '')
  })

  t.test('deprovision: all logins revoked and sessions ended, even after a crash', async (t) => {
    const live = await appClient(t, current)
    await live.query('SELECT 1')
    await t.rejects(f.newDriver({ onStep: crashAt('deallocate', 'nologin') }).deallocate(f.ctx(uuid, 'db-large')), { message: /crash after/ })
    await f.driver.deallocate(f.ctx(uuid, 'db-large'))
    const r = await f.driver.cluster.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1 AND rolcanlogin', [n.loginPrefix + '%'])
    t.equal(r.rows[0]!.n, 0, 'no login can log in')
    t.not(await pgErrorCode(live.query('SELECT 1')), '', 'the open session was ended')
    t.not(await connectCode(current), '', 'the URL is refused')
    t.same((await f.tenantObjects(uuid)).databases, [n.database], 'data kept until purge')
  })

  t.test('purge', async (t) => {
    await t.rejects(f.newDriver({ onStep: crashAt('purge', 'database') }).purge(f.ctx(uuid, 'db-large')), { message: /crash after/ })
    t.same((await f.tenantObjects(uuid)).databases, [], 'database dropped before the crash')
    await f.driver.purge(f.ctx(uuid, 'db-large'))
    t.same(await f.tenantObjects(uuid), { databases: [], roles: [] }, 'no orphan roles or databases')
    await f.driver.purge(f.ctx(uuid, 'db-large'))
    t.pass('purging again is a no-op')
  })
})

t.test('a purge that cannot finish fails within the admin statement timeout; the retry completes it', async (t) => {
  const f = await pgFixture(t)
  const uuid = await f.newInstance('db-small')
  const other = await f.newInstance('db-small')
  await f.driver.allocate(f.ctx(uuid, 'db-small'))
  const otherUrl = databaseUrlOf(await f.driver.allocate(f.ctx(other, 'db-small')))
  await f.driver.deallocate(f.ctx(uuid, 'db-small'))
  // Another tenant's app in the middle of COPY FROM STDIN, its client sending nothing more:
  // DROP DATABASE waits for every session of the cluster, this one included, to answer a signal.
  const c = await appClient(t, otherUrl)
  await c.query('CREATE TABLE t (v int)')
  await c.query('SET statement_timeout = 0') // the plan's 500 ms would end the COPY once data comes
  const copy = c.query(copyFrom('COPY t FROM STDIN'))
  copy.write('1\n')
  const started = Date.now()
  await t.rejects(f.newDriver({ adminStatementTimeoutMs: 1000 }).purge(f.ctx(uuid, 'db-small')), { code: '57014' }, 'statement timeout')
  t.ok(Date.now() - started < 15_000, `failed after ${Date.now() - started} ms, not when the COPY ends`)
  t.same((await f.tenantObjects(uuid)).databases, [tenantNames(uuid).database], 'the database is still there (marked invalid)')
  t.equal((await f.driver.usage(f.ctx(uuid, 'db-small'))).find((m) => m.name === 'storage')!.used, 0, 'an invalid database is left out of usage and quota checks')
  copy.end()
  await finished(copy)
  await f.driver.purge(f.ctx(uuid, 'db-small'))
  t.same(await f.tenantObjects(uuid), { databases: [], roles: [] }, 'the retry leaves nothing behind')
  t.equal((await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n, 1, 'the other tenant\'s COPY completed')
})
