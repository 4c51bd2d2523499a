// The repositories of instances, the outbox and the audit log against real PostgreSQL:
// one statement per change, the outbox order of the two operations of a deprovision, one
// rotation for any number of concurrent requests, the same audit row from every executor.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createDb, type Db } from '@addonkit/db'
import { createTestDatabase } from '@addonkit/testkit'
import { audit, enqueueOperation, enqueueUnlessUnfinished, insertProvisionRequest, loadStates, recordDecision, recordScaleOutcome, requestDeprovision, requestPlanChange } from '../src/index.js'

async function provisioned (db: Db) {
  const uuid = randomUUID()
  const op = await insertProvisionRequest(db, {
    uuid, name: 'a', plan: 'hobby', region: 'us', driver: 'logs', options: {}, callbackUrl: null, logInputUrlEnc: null, logDrainToken: null,
    grantCodeEnc: null, grantExpiresAt: null, auditDetail: { plan: 'hobby' }, operationParams: { plan: 'hobby' }, traceparent: null
  })
  return { uuid, op }
}

t.test('instances, operations and audit events through the repositories', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())

  t.test('a provision request is inserted once', async (t) => {
    const { uuid, op } = await provisioned(db)
    t.match(op, { instanceUuid: uuid, kind: 'provision' })
    const again = await insertProvisionRequest(db, {
      uuid, name: 'a', plan: 'hobby', region: 'us', driver: 'logs', options: {}, callbackUrl: null, logInputUrlEnc: null, logDrainToken: null,
      grantCodeEnc: null, grantExpiresAt: null, auditDetail: {}, operationParams: {}, traceparent: null
    })
    t.equal(again, null, 'the same uuid again inserts nothing')
    const ev = await db.prisma.auditEvent.findMany({ where: { instanceUuid: uuid } })
    t.same(ev.map((e) => [e.event, e.outcome, e.detail]), [['provision_requested', 'ok', { plan: 'hobby' }]])
    t.equal(await db.prisma.operation.count({ where: { instanceUuid: uuid } }), 1)
  })

  t.test('a plan change moves the plan, records it and enqueues it, or does nothing', async (t) => {
    const { uuid } = await provisioned(db)
    t.equal(await requestPlanChange(db, uuid, 'pro', 'max'), null, 'not on the plan it moves from')
    const op = await requestPlanChange(db, uuid, 'hobby', 'pro')
    t.match(op, { instanceUuid: uuid, kind: 'change_plan' })
    t.equal((await db.prisma.instance.findUniqueOrThrow({ where: { uuid } })).plan, 'pro')
    t.same((await db.prisma.operation.findUniqueOrThrow({ where: { id: op!.id } })).params, { from: 'hobby', to: 'pro' })
    t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'plan_change_requested', outcome: 'ok' } }), 1)
  })

  t.test('a deprovision enqueues the revocation before the purge, once', async (t) => {
    const { uuid } = await provisioned(db)
    const purgeAfter = new Date(Date.now() + 3600_000)
    const op = await requestDeprovision(db, uuid, purgeAfter)
    t.match(op, { instanceUuid: uuid, kind: 'deprovision' })
    t.equal(await requestDeprovision(db, uuid, purgeAfter), null, 'already deprovisioned')
    const ops = await db.prisma.operation.findMany({ where: { instanceUuid: uuid }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
    t.same(ops.map((o) => o.kind), ['provision', 'deprovision', 'purge'], 'the outbox order')
    t.equal(ops[2]!.nextAttemptAt.getTime(), purgeAfter.getTime(), 'the purge waits for the grace period')
    const inst = await db.prisma.instance.findUniqueOrThrow({ where: { uuid } })
    t.equal(inst.state, 'deprovisioned')
    t.equal(inst.purgeAfter?.getTime(), purgeAfter.getTime())
    t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'deprovision_requested' } }), 1)
  })

  t.test('concurrent requests start one operation of a kind while one is unfinished', async (t) => {
    const { uuid } = await provisioned(db)
    const got = await Promise.all(Array.from({ length: 6 }, () =>
      enqueueUnlessUnfinished(db, uuid, 'rotate_credentials', { source: 'test' }, { event: 'rotation_requested', outcome: 'ok', detail: { by: 'x' } })))
    t.equal(got.filter(Boolean).length, 1, 'one wins')
    t.equal(await db.prisma.operation.count({ where: { instanceUuid: uuid, kind: 'rotate_credentials' } }), 1)
    t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'rotation_requested' } }), 1, 'one audit entry, with the operation')
  })

  t.test('the pool, a transaction client and a Prisma transaction write the same rows', async (t) => {
    const { uuid } = await provisioned(db)
    await audit(db.pool, uuid, 'e', 'noop', { via: 1 })
    await db.prisma.$transaction(async (tx) => {
      await audit(tx, uuid, 'e', 'noop', { via: 1 })
      await enqueueOperation(tx, uuid, 'rotate_credentials', { via: 1 })
    })
    await enqueueOperation(db.pool, uuid, 'rotate_credentials', { via: 1 })
    const ev = await db.prisma.auditEvent.findMany({ where: { instanceUuid: uuid, event: 'e' } })
    t.same(ev.map((e) => [e.outcome, e.detail]), [['noop', { via: 1 }], ['noop', { via: 1 }]])
    const ops = await db.prisma.operation.findMany({ where: { instanceUuid: uuid, kind: 'rotate_credentials' } })
    t.same(ops.map((o) => [o.status, o.params, o.traceparent]), [['pending', { via: 1 }, null], ['pending', { via: 1 }, null]])
  })

  t.test('a scale outcome is recorded whole or not at all', async (t) => {
    const { uuid } = await provisioned(db)
    const d = { action: 'scale' as const, processType: 'web', from: 1, to: 2, applied: true, reason: 'busy', value: 0.9, bounds: { min: 1, max: 4 } }
    const first = await recordDecision(db, uuid, d, 'pending')
    await recordScaleOutcome(db, {
      instanceUuid: uuid, processType: 'web',
      change: { at: new Date(), from: 1, to: 2, by: 'autoscaler' },
      decision: { id: first.id, outcome: 'done' },
      audit: { outcome: 'ok', detail: { process_type: 'web', from: 1, to: 2 } }
    })
    let [web] = await loadStates(db, uuid)
    t.match(web, { quantity: 2, lastChange: { from: 1, to: 2, by: 'autoscaler' }, lastDecision: { id: first.id, outcome: 'done' } })
    t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'autoscaled', outcome: 'ok' } }), 1)

    // A decision that is not there fails the settlement: the change and the audit entry written before it roll back.
    await t.rejects(recordScaleOutcome(db, {
      instanceUuid: uuid, processType: 'web',
      change: { at: new Date(), from: 2, to: 3, by: 'person' },
      decision: { id: '999999999', outcome: 'done' },
      audit: { outcome: 'ok', detail: {} }
    }))
    ;[web] = await loadStates(db, uuid)
    t.match(web, { quantity: 2, lastChange: { from: 1, to: 2, by: 'autoscaler' } }, 'the change rolled back')
    t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'formation_changed_by_person' } }), 0, "the person's audit entry rolled back")
    t.equal(await db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'autoscaled' } }), 1)
  })
})
