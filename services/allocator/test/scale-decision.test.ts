// A scale operation and its decision (found by CI: the autoscaler enqueued the operation,
// then recorded the decision, then wrote its id into the operation's params; a runner's
// sweep that took the operation in between scaled the app and left the decision pending for
// good). Now the operation is enqueued not yet due and released with the id; and one that
// runs without the id (its autoscaler died before the release) finds its decision by its
// own id. Against real PostgreSQL.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { Decision } from '@addonkit/autoscale'
import { createDb } from '@addonkit/db'
import { enqueueOperation, recordDecision, setOperationParams } from '@addonkit/lifecycle'
import { createTestDatabase } from '@addonkit/testkit'
import { runnableOperations } from '../src/operations/claim.js'
import { scaleHandler } from '../src/autoscale/scale-operation.js'
import type { AppAccess } from '../src/autoscale/app-access.js'
import type { OperationContext } from '../src/operations/runner.js'

const decision: Decision = { action: 'scale', processType: 'web', from: 1, to: 2, direction: 'up', value: 900, bounds: { min: 1, max: 4 } as Decision['bounds'], applied: true, reason: 'p95 over 400 ms' }

t.test('a scale operation is not runnable until its decision is in its params, and settles its decision either way', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())
  const uuid = randomUUID()
  await db.prisma.instance.create({ data: { uuid, plan: 'hobby', region: 'r', driver: 'logs', state: 'provisioned' } })

  const op = await enqueueOperation(db.pool, uuid, 'scale', { process_type: 'web', from: 1, to: 2 }, new Date(Date.now() + 60_000))
  t.same(await runnableOperations(db), [], 'enqueued not yet due: no sweep takes it')
  const rec = await recordDecision(db, uuid, decision, 'pending', { operationId: op.id })
  await setOperationParams(db.pool, op.id, { process_type: 'web', from: 1, to: 2, decision_id: rec.id }, { due: true })
  t.same(await runnableOperations(db), [op.id], 'released with its params')

  // The app is already at 2 (the PATCH went through before a crash): the run records the
  // change and settles the decision. Here without decision_id in the params, as an
  // operation whose autoscaler died before the release would run a minute later.
  const access = { formation: async () => [{ type: 'web', quantity: 2, size: 'standard-1x' }] } as unknown as AppAccess
  const run = scaleHandler({ db, access, tell: () => {} })
  const ctx = { op: { id: op.id, instance_uuid: uuid, kind: 'scale', params: { process_type: 'web', from: 1, to: 2 }, step: null, attempts: 1, created_at: new Date(), traceparent: null } } as unknown as OperationContext
  t.same(await run(ctx), { quantity: 2, resumed: true })
  const settled = await db.pool.query<{ outcome: string }>('SELECT outcome FROM autoscale_decisions WHERE id = $1', [rec.id])
  t.equal(settled.rows[0]?.outcome, 'done', 'the decision found by the operation\'s id is settled')
})
