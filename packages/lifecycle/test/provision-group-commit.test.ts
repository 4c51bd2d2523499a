// Group commit of new provisions (issue 20): concurrent requests share a statement, each
// keeps its own outcome, identical requests (same uuid) never share one so
// exactly one inserts, and a request PostgreSQL refuses fails alone. Against real PostgreSQL.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createDb, type Db } from '@addonkit/db'
import { createTestDatabase } from '@addonkit/testkit'
import { allocationStorer, decideOnce, groupCommit, provisionRequestInserter, type ProvisionRequest } from '../src/index.js'
import { parseKeyRingSpec } from '@addonkit/config'
import { KeyRing, generateKeyRingSpec } from '@addonkit/secrets'

const request = (uuid = randomUUID(), logDrainToken: string | null = `d.${randomUUID()}`): ProvisionRequest => ({
  uuid, name: 'a', plan: 'hobby', region: 'us', driver: 'logs', options: { x: "it's" }, callbackUrl: null, logInputUrlEnc: 'sealed-url', logDrainToken,
  grantCodeEnc: 'sealed-grant', grantExpiresAt: new Date('2030-01-02T03:04:05.678Z'), auditDetail: { plan: 'hobby' }, operationParams: { plan: 'hobby' }, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
})

/** The db with its statements counted. */
function counted (db: Db) {
  const n = { statements: 0 }
  const pool = { query: (...a: unknown[]) => { n.statements++; return (db.pool.query as (...x: unknown[]) => unknown)(...a) } }
  return { db: { ...db, pool } as unknown as Db, n }
}

t.test('group commit of provision requests', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())

  t.test('concurrent requests share statements, each with its rows', async (t) => {
    const { db: c, n } = counted(db)
    const insert = provisionRequestInserter(c)
    const reqs = Array.from({ length: 20 }, () => request())
    const ops = await Promise.all(reqs.map((r) => insert(r)))
    t.equal(n.statements, 2, 'the first alone, the 19 that arrived meanwhile in one')
    for (const [i, r] of reqs.entries()) {
      t.match(ops[i], { instanceUuid: r.uuid, kind: 'provision' })
      t.match(await db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } }), { plan: 'hobby', state: 'provisioning', logDrainToken: r.logDrainToken, logInputUrlEnc: 'sealed-url', options: { x: "it's" } })
      t.match(await db.prisma.oAuthToken.findUniqueOrThrow({ where: { instanceUuid: r.uuid } }), { grantCodeEnc: 'sealed-grant', grantExpiresAt: new Date('2030-01-02T03:04:05.678Z') })
      t.match(await db.prisma.operation.findUniqueOrThrow({ where: { id: ops[i]!.id } }), { instanceUuid: r.uuid, kind: 'provision', status: 'pending', params: { plan: 'hobby' }, traceparent: r.traceparent })
      t.match(await db.prisma.auditEvent.findMany({ where: { instanceUuid: r.uuid } }), [{ event: 'provision_requested', outcome: 'ok', detail: { plan: 'hobby' } }])
    }
  })

  t.test('identical requests: exactly one inserts', async (t) => {
    const insert = provisionRequestInserter(db)
    const uuid = randomUUID()
    const sameUuid = await Promise.all([request(), ...Array.from({ length: 10 }, () => request(uuid, `d.${uuid}`)), request()].map((r) => insert(r)))
    t.equal(sameUuid.filter((op) => op?.instanceUuid === uuid).length, 1, 'one of ten with the same uuid')
    t.equal(sameUuid.filter(Boolean).length, 3)
    t.equal(await db.prisma.operation.count({ where: { instanceUuid: uuid } }), 1)
    const token = `d.${randomUUID()}`
    const sameToken = await Promise.all([request(), request(undefined, token), request(undefined, token), request(undefined, null), request(undefined, null)].map((r) => insert(r)))
    t.same(sameToken.map(Boolean), [true, true, true, true, true], 'a drain token another add-on has is no conflict (nor is none)')
    t.equal(await db.prisma.instance.count({ where: { logDrainToken: token } }), 2)
  })

  t.test('a request PostgreSQL refuses fails alone', async (t) => {
    const insert = provisionRequestInserter(db)
    const results = await Promise.allSettled([request(), request(), { ...request(), uuid: 'not-a-uuid' }, request()].map((r) => insert(r)))
    t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
  })
})

t.test('allocations stored together: the same writes and compare-and-set as alone', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())
  const ring = new KeyRing(parseKeyRingSpec(generateKeyRingSpec()))
  const insert = provisionRequestInserter(db)
  const reqs = Array.from({ length: 6 }, () => request())
  await Promise.all(reqs.map((r) => insert(r)))
  // The gateway already answered 202 for the second (its budget ran out).
  await decideOnce(db, ring, reqs[1]!.uuid, { status: 202, body: { id: reqs[1]!.uuid } })
  const store = allocationStorer(db)
  const tokens = { accessTokenEnc: 'a', refreshTokenEnc: 'r', expiresAt: new Date(Date.now() + 3600_000) }
  const all = await Promise.allSettled([...reqs.map((r, i) => store({ uuid: r.uuid, sealedOutput: `out-${i}`, detail: { driver: 'logs' }, tokens: i === 2 ? null : tokens, decide: { status: 200, bodyEnc: `body-${i}` } })),
    store({ uuid: randomUUID(), sealedOutput: 'x', detail: {}, tokens: null, decide: null })])
  t.match(all.map((x) => x.status === 'fulfilled' ? { ours: x.value.ours, status: x.value.decision?.status } : 'rejected'),
    [{ ours: true, status: 200 }, { ours: false, status: 202 }, { ours: true, status: 200 }, { ours: true, status: 200 }, { ours: true, status: 200 }, { ours: true, status: 200 }, 'rejected'])
  t.match((all[6] as PromiseRejectedResult).reason, { message: /does not exist/ })
  for (const [i, r] of reqs.entries()) {
    const inst = await db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
    t.match(inst, { configEnc: `out-${i}`, state: i === 1 ? 'provisioning' : 'provisioned', responseStatus: i === 1 ? 202 : 200 })
    if (i !== 1) t.equal(inst.responseBodyEnc, `body-${i}`)
    const tok = await db.prisma.oAuthToken.findUniqueOrThrow({ where: { instanceUuid: r.uuid } })
    t.match(tok, i === 2 ? { accessTokenEnc: null, grantCodeEnc: 'sealed-grant' } : { accessTokenEnc: 'a', refreshTokenEnc: 'r', grantCodeEnc: null })
    const events = (await db.prisma.auditEvent.findMany({ where: { instanceUuid: r.uuid } })).map((e) => e.event).sort()
    t.same(events, ['allocated', ...(i === 2 ? [] : ['grant_exchanged']), ...(i === 1 ? [] : ['provisioned']), 'provision_requested'].sort(), `instance ${i}: each event once`)
  }
})

t.test('groupCommit: alone at once, batched while in flight, keys apart, max batch', async (t) => {
  const batches: number[][] = []
  const run = groupCommit<number, number>({
    one: async (x) => { batches.push([x]); await new Promise((resolve) => setTimeout(resolve, 5)); return x * 2 },
    many: async (xs) => { batches.push(xs); await new Promise((resolve) => setTimeout(resolve, 5)); return xs.map((x) => x * 2) },
    keys: (x) => [String(x % 10)],
    maxBatch: 3
  })
  t.same(await Promise.all([1, 2, 3, 4, 11, 5].map(run)), [2, 4, 6, 8, 22, 10])
  t.same(batches, [[1], [2, 3, 4], [11, 5]], 'the first at once; then at most 3; 11 shares a key with 1 (already done) but not with 2, 3, 4')
  batches.length = 0
  await Promise.all([run(1), run(2), run(12), run(22)])
  t.same(batches, [[1], [2], [12], [22]], 'the same key never in one statement')
})

t.test('groupCommit: a batch refused for its data runs again item by item; any other failure fails the batch', async (t) => {
  const calls: string[] = []
  const failing = (code: string | undefined) => groupCommit<number, number>({
    one: async (x) => { calls.push(`one ${x}`); if (x === 3) throw Object.assign(new Error('bad value'), { code: '22P02' }); return x },
    many: async (xs) => { calls.push(`many ${xs.join(',')}`); await new Promise((resolve) => setTimeout(resolve, 1)); throw Object.assign(new Error('batch failed'), { code }) }
  })
  const outcomes = async (run: (x: number) => Promise<number>) => (await Promise.allSettled([1, 2, 3, 4].map(run))).map((o) => o.status === 'fulfilled' ? o.value : (o.reason as Error).message)

  t.same(await outcomes(failing('23503')), [1, 2, 'bad value', 4], 'a constraint (class 23): each item alone, the offending one fails alone')
  t.same(calls, ['one 1', 'many 2,3,4', 'one 2', 'one 3', 'one 4'])
  calls.length = 0
  t.same(await outcomes(failing('22P02')), [1, 2, 'bad value', 4], 'a value PostgreSQL cannot take (class 22): the same')
  calls.length = 0
  // The connection lost (08006), perhaps after the commit: running the items again could write twice.
  t.same(await outcomes(failing('08006')), [1, 'batch failed', 'batch failed', 'batch failed'], 'a lost connection fails the whole batch')
  t.same(calls, ['one 1', 'many 2,3,4'], 'and runs nothing again')
  calls.length = 0
  t.same(await outcomes(failing(undefined)), [1, 'batch failed', 'batch failed', 'batch failed'], 'so does an error that is not PostgreSQL\'s')
  t.same(calls, ['one 1', 'many 2,3,4'])
})
