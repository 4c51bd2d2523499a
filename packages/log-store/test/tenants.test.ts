// Tenant rows against real PostgreSQL: the upsert of one and of several instances in one
// statement (the allocator group-commits the provisions it claimed together).
import t from 'tap'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { createTestDatabase } from '@addonkit/testkit'
import { countTenants, findTenant, upsertTenant, upsertTenants, type NewTenant } from '../src/tenants.js'

/** Instances for the tenants to belong to (a tenant's instance must exist). */
async function instances (pool: pg.Pool, n: number): Promise<string[]> {
  const uuids = Array.from({ length: n }, () => randomUUID())
  await pool.query(`INSERT INTO instances (uuid, plan, region, driver, updated_at) SELECT u, 'hobby', 'r', 'logs', now() FROM unnest($1::uuid[]) AS u`, [uuids])
  return uuids
}

const tenant = (instanceUuid: string, tag: string): NewTenant => ({
  instanceUuid, drainToken: `d.${tag}`, apiUser: `u-${tag}`, apiSecretHash: `api-${tag}`, drainUser: `d-${tag}`, drainSecretHash: `drain-${tag}`, plan: 'hobby'
})

t.test('several tenants in one statement: answers in order; a re-run keeps ids and user names and replaces credentials', async (t) => {
  const pool = new pg.Pool({ connectionString: await createTestDatabase(t), max: 2 })
  pool.on('error', () => {})
  t.teardown(() => pool.end())
  const uuids = await instances(pool, 5)
  const first = await upsertTenants(pool, uuids.map((u, i) => tenant(u, `a${i}`)))
  t.same(first.map((r) => r.apiUser), ['u-a0', 'u-a1', 'u-a2', 'u-a3', 'u-a4'], 'in the order given, whatever order the rows were written in')
  t.same(new Set(first.map((r) => r.id)).size, 5)

  // A retry after a crash (one instance alone, the rest together and in another order).
  const again = await upsertTenants(pool, [...uuids.slice(1)].reverse().map((u, i) => ({ ...tenant(u, `b${i}`), plan: 'pro' })))
  t.same(again.map((r) => r.id), [...first.slice(1)].reverse().map((r) => r.id), 'each keeps its tenant id')
  t.same(again.map((r) => r.apiUser), [...first.slice(1)].reverse().map((r) => r.apiUser), 'and its user names')
  const alone = await upsertTenant(pool, { ...tenant(uuids[0]!.toUpperCase(), 'c'), drainToken: 'd.a0' })
  t.same(alone, first[0], 'an upper-case uuid is the same instance')
  const rows = await pool.query<{ instance_uuid: string, api_secret_hash: string, plan: string }>('SELECT instance_uuid, api_secret_hash, plan FROM log_tenants ORDER BY api_user')
  t.same(rows.rows.map((r) => [r.api_secret_hash, r.plan]), [['api-c', 'hobby'], ['api-b3', 'pro'], ['api-b2', 'pro'], ['api-b1', 'pro'], ['api-b0', 'pro']], 'credentials and plan replaced')
  for (const u of uuids) t.equal(await countTenants(pool, u), 1)

  // A drain user another instance's tenant holds fails the statement, and writes nothing of it.
  const [fresh, other, third] = await instances(pool, 3)
  await t.rejects(upsertTenants(pool, [tenant(fresh!, 'x'), { ...tenant(other!, 'y'), drainUser: first[0]!.drainUser }]), { code: '23505' })
  t.equal(await countTenants(pool, fresh!), 0)
  // A drain token need not be unique (the drain finds a tenant by its drain user).
  const shared = await upsertTenants(pool, [{ ...tenant(fresh!, 'x'), drainToken: 'd.a0' }, { ...tenant(third!, 'z'), drainToken: 'd.a0' }])
  t.equal(new Set(shared.map((r) => r.id)).size, 2, 'two tenants with one drain token')
  t.equal((await findTenant(pool, 'drainUser', 'd-z'))?.instanceUuid, third, 'found by its drain user')
})
