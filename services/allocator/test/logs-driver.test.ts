// The logs driver's allocation against real PostgreSQL: allocations at once share the
// tenant upsert's statement (group commit), each gets its own tenant and credentials, and
// two allocations of one instance never share a statement, so the second keeps the first's
// tenant and user names (a re-run after a crash).
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { findPlan } from '@addonkit/config'
import { createDb, type Db } from '@addonkit/db'
import { countTenants } from '@addonkit/log-store'
import { KeyRing } from '@addonkit/secrets'
import { batchSizes, createTestDatabase, testEnv } from '@addonkit/testkit'
import { loadAllocatorConfig } from '../src/config.js'
import { logsDriver } from '../src/drivers/logs-driver.js'

t.test('allocations at once: one tenant each, upserts shared, one instance never twice in a statement', async (t) => {
  const config = loadAllocatorConfig(testEnv({ DATABASE_URL: await createTestDatabase(t), NATS_URL: 'nats://127.0.0.1:1', LOG_LEVEL: 'silent' }))
  const db = createDb(config.databaseUrl)
  t.teardown(() => db.close())
  const plan = config.addon.plans.find((p) => p.driver === 'logs')!
  const uuids = Array.from({ length: 6 }, () => randomUUID())
  for (const uuid of uuids) await db.prisma.instance.create({ data: { uuid, plan: plan.slug, region: 'us', driver: 'logs', logDrainToken: `d.${uuid}` } })
  // The statements' sizes (rows of each upsert), through a pool of its own (the driver keeps one group commit per pool).
  const { pool, sizes } = batchSizes(db.pool)
  const ctx = (uuid: string) => ({
    instance: { uuid, plan: plan.slug, region: 'us', options: {}, logDrainToken: `d.${uuid}` }, plan: findPlan(config.addon, plan.slug)!, addon: config.addon,
    db: { ...db, pool } as unknown as Db, keyRing: new KeyRing(config.encryptionKeys), drainPublicUrl: config.drainPublicUrl, credentialGraceSeconds: 300
  })
  // The first goes alone; the rest arrive while it is in flight, the first instance twice (a
  // crashed run and its retry meeting): PostgreSQL refuses a statement that updates one row
  // twice, so its second allocation waits for the next statement.
  const order = [uuids[5]!, uuids[0]!, uuids[1]!, uuids[2]!, uuids[3]!, uuids[4]!, uuids[0]!]
  const outs = await Promise.all(order.map((uuid) => logsDriver.allocate(ctx(uuid))))
  t.same(sizes, [1, 5, 1], 'one alone, five together, the repeated instance in a statement of its own')
  const user = (out: { config: Record<string, string> }) => new URL(Object.values(out.config)[0]!).username
  t.equal(new Set(outs.slice(0, 6).map(user)).size, 6, 'each instance its own data-API user')
  t.equal(user(outs[6]!), user(outs[1]!), 'the second allocation of one instance keeps its tenant\'s user name')
  t.not(new URL(Object.values(outs[6]!.config)[0]!).password, new URL(Object.values(outs[1]!.config)[0]!).password, 'with new credentials')
  for (const uuid of uuids) t.equal(await countTenants(db.pool, uuid), 1)
})
