// The claim reads what a provision's handler needs in the same statement, and the finish
// commits the handler's last write (the webhook record) with the operation (issue 20: one
// round trip each), against real PostgreSQL.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createDb } from '@addonkit/db'
import { enqueueOperation, webhookRecord } from '@addonkit/lifecycle'
import { batchSizes, createTestDatabase } from '@addonkit/testkit'
import { claimOperation, finishOperation, finishOperations, operationFinisher } from '../src/operations/claim.js'

t.test('claim with prefetch, finish with the webhook record', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())
  const uuid = randomUUID()
  await db.prisma.instance.create({ data: { uuid, plan: 'hobby', region: 'r', driver: 'logs', logDrainToken: 'd.x', logInputUrlEnc: 'sealed-url' } })
  await db.prisma.oAuthToken.create({ data: { instanceUuid: uuid, grantCodeEnc: 'sealed-grant' } })
  const first = await enqueueOperation(db.pool, uuid, 'provision')
  const op = await claimOperation(db, first.id, 10_000)
  t.match(op?.prefetched, {
    instance: { uuid, plan: 'hobby', driver: 'logs', state: 'provisioning', log_drain_token: 'd.x', config_enc: null },
    tokens: { grant_code_enc: 'sealed-grant', access_token_enc: null },
    webhookId: null,
    logInputUrlEnc: 'sealed-url'
  })
  t.ok(op!.prefetched.instance!.created_at instanceof Date)

  t.equal(await finishOperation(db, first.id, uuid, { path: 'sync' }, webhookRecord(uuid, { id: 'wh-1', secretEnc: 'sealed', include: ['api:formation'] })), null)
  t.match(await db.prisma.operation.findUniqueOrThrow({ where: { id: first.id } }), { status: 'succeeded', result: { path: 'sync' } })
  t.match(await db.prisma.autoscaleApp.findUniqueOrThrow({ where: { instanceUuid: uuid } }), { webhookId: 'wh-1', webhookSecretEnc: 'sealed', webhookProblem: null })
  t.match(await db.prisma.auditEvent.findMany({ where: { instanceUuid: uuid, event: 'webhook_subscribed' } }), [{ outcome: 'ok', detail: { include: ['api:formation'] } }])

  // A later operation: the claim sees the webhook; a problem keeps the existing webhook.
  const second = await enqueueOperation(db.pool, uuid, 'rotate_credentials')
  const op2 = await claimOperation(db, second.id, 10_000)
  t.equal(op2?.prefetched.webhookId, 'wh-1')
  t.equal(op2?.prefetched.tokens?.grant_code_enc, 'sealed-grant')
  await finishOperation(db, second.id, uuid, {}, webhookRecord(uuid, { problem: 'Heroku answered 422' }))
  t.match(await db.prisma.autoscaleApp.findUniqueOrThrow({ where: { instanceUuid: uuid } }), { webhookId: 'wh-1', webhookProblem: 'Heroku answered 422' })
  t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'webhook_subscribed', outcome: 'failed' } }), 1)

  // Without a write the finish is as before.
  const third = await enqueueOperation(db.pool, uuid, 'purge')
  await claimOperation(db, third.id, 10_000)
  t.equal(await finishOperation(db, third.id, uuid, {}), null)
  t.equal((await db.prisma.operation.findUniqueOrThrow({ where: { id: third.id } })).status, 'succeeded')
})

t.test('finishes in one statement (group commit): each with its own write and its own next operation', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())
  const uuids = Array.from({ length: 5 }, () => randomUUID())
  for (const uuid of uuids) await db.prisma.instance.create({ data: { uuid, plan: 'hobby', region: 'r', driver: 'logs' } })
  const firsts = await Promise.all(uuids.map((uuid) => enqueueOperation(db.pool, uuid, 'provision')))
  await new Promise((resolve) => setTimeout(resolve, 5))
  const later = await enqueueOperation(db.pool, uuids[2]!, 'rotate_credentials')
  for (const op of firsts) t.ok(await claimOperation(db, op.id, 10_000))
  // The fifth was ended elsewhere (a runner that took over after its lease ran out failed it).
  await db.pool.query(`UPDATE operations SET status = 'failed', last_error = 'elsewhere' WHERE id = $1`, [firsts[4]!.id])

  const next = await finishOperations(db, [
    { id: firsts[0]!.id, instanceUuid: uuids[0]!, result: { path: 'sync' }, also: webhookRecord(uuids[0]!, { id: 'wh-a', secretEnc: 'sealed-a', include: ['api:release'] }) },
    { id: firsts[1]!.id.toUpperCase(), instanceUuid: uuids[1]!, result: { n: 1 } },
    { id: firsts[2]!.id, instanceUuid: uuids[2]!, result: {}, also: webhookRecord(uuids[2]!, { problem: 'Heroku answered 403' }) },
    { id: randomUUID(), instanceUuid: uuids[3]!, result: {}, also: webhookRecord(uuids[3]!, { id: 'wh-unknown', secretEnc: 's', include: [] }) },
    { id: firsts[4]!.id, instanceUuid: uuids[4]!, result: { late: true }, also: webhookRecord(uuids[4]!, { id: 'wh-late', secretEnc: 's', include: [] }) }
  ])
  t.same(next, [null, null, later.id, undefined, undefined], 'the next operation of each one\'s instance (an id in capitals is the same operation); undefined for an unknown id and for one no longer running')
  const ops = await db.prisma.operation.findMany({ where: { id: { in: firsts.map((o) => o.id) } } })
  t.same(new Map(ops.map((o) => [o.id, [o.status, o.result]])), new Map([
    [firsts[0]!.id, ['succeeded', { path: 'sync' }]], [firsts[1]!.id, ['succeeded', { n: 1 }]], [firsts[2]!.id, ['succeeded', {}]], [firsts[3]!.id, ['running', null]], [firsts[4]!.id, ['failed', null]]
  ]), 'each result stored with its own operation; the one not in the statement still runs; the failed one stays failed')
  const apps = await db.prisma.autoscaleApp.findMany({ where: { instanceUuid: { in: uuids } }, orderBy: { webhookId: 'asc' } })
  t.same(apps.map((a) => [a.instanceUuid, a.webhookId, a.webhookSecretEnc, a.webhookProblem]), [
    [uuids[0], 'wh-a', 'sealed-a', null], [uuids[2], null, null, 'Heroku answered 403']
  ], 'only the operations finished with a webhook record wrote one (not the unknown one, not the failed one)')
  const audits = await db.prisma.auditEvent.findMany({ where: { instanceUuid: { in: uuids }, event: 'webhook_subscribed' }, orderBy: { outcome: 'desc' } })
  t.same(audits.map((a) => [a.instanceUuid, a.outcome, a.detail]), [
    [uuids[0], 'ok', { include: ['api:release'] }], [uuids[2], 'failed', { reason: 'Heroku answered 403' }]
  ], 'one audit entry each, with its own outcome')
  await t.rejects(finishOperations(db, [{ id: firsts[3]!.id, instanceUuid: uuids[3]!, result: {} }, { id: firsts[3]!.id.toUpperCase(), instanceUuid: uuids[3]!, result: {} }]), /given twice/)

  // The runner's finisher: concurrent finishes share statements and each gets its own answer.
  const more = Array.from({ length: 12 }, () => randomUUID())
  for (const uuid of more) await db.prisma.instance.create({ data: { uuid, plan: 'hobby', region: 'r', driver: 'logs' } })
  const ops2 = await Promise.all(more.map((uuid) => enqueueOperation(db.pool, uuid, 'provision')))
  await new Promise((resolve) => setTimeout(resolve, 5))
  const laters = new Map<number, string>()
  for (const i of [3, 6, 7]) laters.set(i, (await enqueueOperation(db.pool, more[i]!, 'rotate_credentials')).id)
  for (const op of ops2) await claimOperation(db, op.id, 10_000)
  const { pool, sizes: statements } = batchSizes(db.pool)
  const finish = operationFinisher({ ...db, pool } as unknown as typeof db)
  // The ninth carries a webhook record for an instance that does not exist: PostgreSQL refuses
  // its statement (a foreign key), which then runs again one finish at a time.
  const missing = randomUUID()
  const answers = await Promise.allSettled(ops2.map((op, i) => finish({
    id: op.id, instanceUuid: more[i]!, result: { i }, also: i === 8 ? webhookRecord(missing, { id: 'wh-x', secretEnc: 's', include: [] }) : i % 2 ? webhookRecord(more[i]!, { id: `wh-${i}`, secretEnc: 's', include: [] }) : undefined
  })))
  t.same(answers.map((a) => a.status === 'fulfilled' ? a.value : 'rejected'), more.map((_, i) => i === 8 ? 'rejected' : laters.get(i) ?? null), 'each caller gets its own next operation; the refused one fails alone')
  t.ok(statements.some((n) => n > 1), `finishes shared statements (${statements.join(', ')} per statement)`)
  const done = await db.prisma.operation.findMany({ where: { id: { in: ops2.map((o) => o.id) } } })
  t.same(Object.fromEntries(done.map((o) => [o.id, [o.status, o.result]])), Object.fromEntries(ops2.map((o, i) => [o.id, i === 8 ? ['running', null] : ['succeeded', { i }]])))
  const written = await db.prisma.auditEvent.groupBy({ by: ['instanceUuid'], where: { instanceUuid: { in: more }, event: 'webhook_subscribed' }, _count: true })
  t.same(written.map((w) => w._count).sort(), [1, 1, 1, 1, 1, 1], 'the six webhook records (the 2nd, 4th, … 12th) written once each, whatever statements ran')
  t.equal(await db.prisma.autoscaleApp.count({ where: { instanceUuid: { in: more } } }), 6)
})
