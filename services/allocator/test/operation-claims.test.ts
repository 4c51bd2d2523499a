// The outbox's claiming rules against real PostgreSQL: one operation in flight per
// instance, in order; a crashed runner's lease expires and another runner takes over.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createDb } from '@addonkit/db'
import { enqueueOperation } from '@addonkit/lifecycle'
import { createTestDatabase } from '@addonkit/testkit'
import { claimOperation, claimOperations, finishOperation, operationClaimer, retryOperation, runnableOperations } from '../src/operations/claim.js'

t.test('operations of one instance run one at a time, in order; leases expire', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())
  const uuid = randomUUID()
  await db.prisma.instance.create({ data: { uuid, plan: 'hobby', region: 'r', driver: 'logs' } })
  const first = await enqueueOperation(db.pool, uuid, 'provision')
  await new Promise((resolve) => setTimeout(resolve, 5))
  const second = await enqueueOperation(db.pool, uuid, 'change_plan')

  t.equal(await claimOperation(db, second.id, 10_000), null, 'a later operation waits for the earlier one')
  const claims = await Promise.all(Array.from({ length: 8 }, () => claimOperation(db, first.id, 2000)))
  t.equal(claims.filter(Boolean).length, 1, 'eight concurrent claimers: exactly one wins')
  t.equal(await claimOperation(db, second.id, 10_000), null, 'still waits while the first runs')
  t.same(await runnableOperations(db), [], 'nothing runnable while the lease holds')

  await new Promise((resolve) => setTimeout(resolve, 2100))
  t.same(await runnableOperations(db), [first.id], 'the expired lease makes it runnable again')
  const takeover = await claimOperation(db, first.id, 10_000)
  t.equal(takeover?.attempts, 2, 'the takeover counts as a second attempt')

  await retryOperation(db, first.id, 60_000, 'transient')
  t.equal(await claimOperation(db, first.id, 10_000), null, 'a retry waits for its backoff')
  t.equal(await claimOperation(db, second.id, 10_000), null, 'and keeps later operations waiting')

  // A second ago, not now(): the column keeps milliseconds, rounded, so now() may round up past the next statement's now().
  await db.pool.query(`UPDATE operations SET next_attempt_at = now() - interval '1 second' WHERE id = $1`, [first.id])
  t.ok(await claimOperation(db, first.id, 10_000))
  t.equal(await finishOperation(db, first.id, uuid, {}), second.id, 'finishing names the next operation')
  const next = await claimOperation(db, second.id, 10_000)
  t.equal(next?.kind, 'change_plan')
})

t.test('claims in one statement (group commit) follow the same rules', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())
  const [a, b] = [randomUUID(), randomUUID()]
  for (const uuid of [a, b]) await db.prisma.instance.create({ data: { uuid, plan: 'hobby', region: 'r', driver: 'logs', logInputUrlEnc: `sealed-${uuid}` } })
  const a1 = await enqueueOperation(db.pool, a, 'provision')
  await new Promise((resolve) => setTimeout(resolve, 5))
  const a2 = await enqueueOperation(db.pool, a, 'change_plan')
  const b1 = await enqueueOperation(db.pool, b, 'provision')
  const got = await claimOperations(db, [a2.id, b1.id, randomUUID(), a1.id], 10_000)
  t.same(got.map((op) => op?.id ?? null), [null, b1.id, null, a1.id], 'the later operation of an instance is not claimed with the earlier one; an unknown id is null')
  t.match(got[1]?.prefetched, { instance: { uuid: b }, logInputUrlEnc: `sealed-${b}` }, 'each with its own prefetch')
  t.same(await claimOperations(db, [a1.id, b1.id], 10_000), [null, null], 'running under a lease: not claimed again')

  const c = randomUUID()
  await db.prisma.instance.create({ data: { uuid: c, plan: 'hobby', region: 'r', driver: 'logs' } })
  const ops = await Promise.all(Array.from({ length: 6 }, () => enqueueOperation(db.pool, c, 'rotate_credentials')))
  const claim = operationClaimer(db, 10_000)
  const many = await Promise.all([...ops, ...ops].map((op) => claim(op.id)))
  t.equal(many.filter(Boolean).length, 1, 'twelve claims of six operations of one instance, grouped: one runs (the first)')
  const d = await Promise.all(Array.from({ length: 8 }, async () => {
    const uuid = randomUUID()
    await db.prisma.instance.create({ data: { uuid, plan: 'hobby', region: 'r', driver: 'logs' } })
    return enqueueOperation(db.pool, uuid, 'provision')
  }))
  const claimedTwice = await Promise.all([...d, ...d].map((op) => claim(op.id)))
  t.equal(claimedTwice.filter(Boolean).length, 8, 'each operation claimed once, whoever asks twice')
})
