// The real allocator process, SIGKILLed in the middle of a postgres allocation: between
// CREATE ROLE and CREATE DATABASE (the test holds a lock that makes CREATE DATABASE wait).
// After a restart the outbox completes the provision once, with no orphan role or database;
// then deprovision and purge through the same outbox leave nothing behind.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createDb } from '@addonkit/db'
import { decideOnce, enqueueOperation, openResourceOutput } from '@addonkit/lifecycle'
import { KeyRing } from '@addonkit/secrets'
import { createTestDatabase, eventually, LogCapture, startTestNats, testEnv } from '@addonkit/testkit'
import { loadAllocatorConfig } from '../src/config.js'
import { tenantNames } from '../src/drivers/postgres-names.js'
import { connectCode, dropTenants, resourceAdminUrl, writePgAddonDefinition } from './postgres-helper.js'

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url))

t.test('SIGKILL between CREATE ROLE and CREATE DATABASE', async (t) => {
  const adminUrl = resourceAdminUrl()
  const nats = await startTestNats(t)
  const env = testEnv({ DATABASE_URL: await createTestDatabase(t), NATS_URL: nats.url, ADDON_DEFINITION: writePgAddonDefinition(), RESOURCE_PG_ADMIN_URL: adminUrl, OPERATION_SWEEP_MS: '200', OPERATION_LEASE_MS: '2000', ALLOCATOR_PORT: '0', LOG_LEVEL: 'warn' })
  const config = loadAllocatorConfig(env)
  const db = createDb(config.databaseUrl)
  t.teardown(() => db.close())
  const keyRing = new KeyRing(config.encryptionKeys)
  const logs = new LogCapture()
  const spawnAllocator = (): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', SERVER], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.on('data', (d: Buffer) => logs.write(d))
    child.stderr!.on('data', (d: Buffer) => logs.write(d))
    t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
    return child
  }
  const uuid = randomUUID()
  const n = tenantNames(uuid)
  t.teardown(() => dropTenants(adminUrl, [uuid]))
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  // The lock holder: pg_stat_activity is snapshotted once per transaction, so it cannot poll.
  const locker = new pg.Client({ connectionString: adminUrl })
  await locker.connect()
  t.teardown(() => locker.end())
  const objects = async () => ({
    databases: (await admin.query('SELECT datname FROM pg_database WHERE datname = $1', [n.database])).rows.map((r) => r.datname),
    roles: (await admin.query('SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1', [n.database + '%'])).rows.map((r) => r.rolname)
  })
  await db.prisma.instance.create({ data: { uuid, plan: 'db-small', region: 'us', driver: 'postgres' } })
  // The gateway already answered Heroku (sync 200): the allocator only has to allocate.
  await decideOnce(db, keyRing, uuid, { status: 200, body: { id: uuid } })

  // CREATE DATABASE needs a RowExclusiveLock on pg_database; a SHARE lock makes it wait.
  await locker.query('BEGIN')
  await locker.query('LOCK TABLE pg_catalog.pg_database IN SHARE MODE')
  const first = spawnAllocator()
  await enqueueOperation(db.pool, uuid, 'provision')
  const waiting = await eventually(async () => {
    const r = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query LIKE 'CREATE DATABASE%' AND query LIKE $1 AND wait_event_type = 'Lock'", ['%' + n.database + '%'])
    return r.rows[0]
  }, 30_000)
  first.kill('SIGKILL')
  await new Promise((resolve) => first.once('exit', resolve))
  // The dead process's connection would be reaped by TCP keepalive; end it now.
  await admin.query('SELECT pg_terminate_backend($1)', [waiting.pid])
  await locker.query('COMMIT')
  t.same(await objects(), { databases: [], roles: [n.login(1), n.owner] }, 'crashed with the roles created and no database')

  const second = spawnAllocator()
  t.teardown(() => { second.kill('SIGTERM') })
  const inst = await eventually(async () => {
    const i = await db.prisma.instance.findUniqueOrThrow({ where: { uuid } })
    return i.state === 'provisioned' && i
  }, 30_000)
  t.same(await objects(), { databases: [n.database], roles: [n.login(1), n.owner] }, 'exactly one database, one owner, one login')
  // The instance turns provisioned a moment before the operation row is marked done.
  const ops = await eventually(async () => {
    const all = await db.prisma.operation.findMany({ where: { instanceUuid: uuid } })
    return all.every((o) => o.status === 'succeeded' || o.status === 'failed') && all
  }, 10_000)
  t.match(ops, [{ kind: 'provision', status: 'succeeded' }])
  t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'allocated' } }), 1, 'allocated once')
  const out = openResourceOutput(keyRing, uuid, inst.configEnc)!
  t.equal(await connectCode(out.config.ADDONKIT_DATABASE_URL!), '', 'the stored config var connects')

  // Deprovision and purge through the same outbox.
  await enqueueOperation(db.pool, uuid, 'deprovision')
  await eventually(async () => (await db.prisma.operation.count({ where: { instanceUuid: uuid, kind: 'deprovision', status: 'succeeded' } })) === 1, 20_000)
  t.not(await connectCode(out.config.ADDONKIT_DATABASE_URL!), '', 'credentials revoked')
  await enqueueOperation(db.pool, uuid, 'purge')
  await eventually(async () => (await db.prisma.operation.count({ where: { instanceUuid: uuid, kind: 'purge', status: 'succeeded' } })) === 1, 20_000)
  t.same(await objects(), { databases: [], roles: [] }, 'purged: no orphan roles or databases')
})
