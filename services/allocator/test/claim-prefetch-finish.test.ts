// The claim reads what a provision's handler needs in the same statement, and the finish
// commits the handler's last write (the webhook record) with the operation (issue 20: one
// round trip each), against real PostgreSQL.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createDb } from '@addonkit/db'
import { enqueueOperation, webhookRecord } from '@addonkit/lifecycle'
import { createTestDatabase } from '@addonkit/testkit'
import { claimOperation, finishOperation } from '../src/operations/claim.js'

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

  t.equal(await finishOperation(db, first.id, { path: 'sync' }, webhookRecord(uuid, { id: 'wh-1', secretEnc: 'sealed', include: ['api:formation'] })), null)
  t.match(await db.prisma.operation.findUniqueOrThrow({ where: { id: first.id } }), { status: 'succeeded', result: { path: 'sync' } })
  t.match(await db.prisma.autoscaleApp.findUniqueOrThrow({ where: { instanceUuid: uuid } }), { webhookId: 'wh-1', webhookSecretEnc: 'sealed', webhookProblem: null })
  t.match(await db.prisma.auditEvent.findMany({ where: { instanceUuid: uuid, event: 'webhook_subscribed' } }), [{ outcome: 'ok', detail: { include: ['api:formation'] } }])

  // A later operation: the claim sees the webhook; a problem keeps the existing webhook.
  const second = await enqueueOperation(db.pool, uuid, 'rotate_credentials')
  const op2 = await claimOperation(db, second.id, 10_000)
  t.equal(op2?.prefetched.webhookId, 'wh-1')
  t.equal(op2?.prefetched.tokens?.grant_code_enc, 'sealed-grant')
  await finishOperation(db, second.id, {}, webhookRecord(uuid, { problem: 'Heroku answered 422' }))
  t.match(await db.prisma.autoscaleApp.findUniqueOrThrow({ where: { instanceUuid: uuid } }), { webhookId: 'wh-1', webhookProblem: 'Heroku answered 422' })
  t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'webhook_subscribed', outcome: 'failed' } }), 1)

  // Without a write the finish is as before.
  const third = await enqueueOperation(db.pool, uuid, 'purge')
  await claimOperation(db, third.id, 10_000)
  t.equal(await finishOperation(db, third.id, {}), null)
  t.equal((await db.prisma.operation.findUniqueOrThrow({ where: { id: third.id } })).status, 'succeeded')
})
