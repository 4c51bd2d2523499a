// The provisioning hot path's statements against real PostgreSQL (issue 20): the
// allocator's storeAllocation decides the answer compare-and-set with the output (a 200
// that stands once, never over the gateway's 202), and the gateway's readProvisionReplay
// reads a retry's state in one statement and records only the retries it will answer.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createDb, type Db } from '@addonkit/db'
import { parseKeyRingSpec } from '@addonkit/config'
import { KeyRing, generateKeyRingSpec } from '@addonkit/secrets'
import { createTestDatabase } from '@addonkit/testkit'
import { decideOnce, insertProvisionRequest, openDecisionBody, preparing, readDecision, readProvisionReplay, requestDeprovision, sealDecisionBody, storeAllocation } from '../src/index.js'

async function requested (db: Db, plan = 'hobby') {
  const uuid = randomUUID()
  await insertProvisionRequest(db, {
    uuid, name: 'a', plan, region: 'us', driver: 'logs', options: {}, callbackUrl: null, logInputUrlEnc: null, logDrainToken: null,
    grantCodeEnc: 'sealed-grant', grantExpiresAt: null, auditDetail: {}, operationParams: { plan }, traceparent: null
  })
  return uuid
}

const events = async (db: Db, uuid: string) => (await db.prisma.auditEvent.findMany({ where: { instanceUuid: uuid }, orderBy: { id: 'asc' } })).map((e) => `${e.event}:${e.outcome}`)

t.test('the provision hot path', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())
  const ring = new KeyRing(parseKeyRingSpec(generateKeyRingSpec()))
  const tokens = { accessTokenEnc: 'a', refreshTokenEnc: 'r', expiresAt: new Date(Date.now() + 3600_000) }

  t.test('storeAllocation: output, tokens and a 200 in one statement, decided once', async (t) => {
    const uuid = await requested(db)
    const body = { id: uuid, config: { X_URL: 'https://x' } }
    const first = await storeAllocation(db, uuid, 'sealed-output', { driver: 'logs' }, tokens, { status: 200, bodyEnc: sealDecisionBody(ring, uuid, body) })
    t.ok(first.ours, 'this call decided')
    t.equal(first.decision?.status, 200)
    t.same(openDecisionBody(ring, uuid, first.decision!.bodyEnc), body, 'the answer that stands, sealed')
    const inst = await db.prisma.instance.findUniqueOrThrow({ where: { uuid } })
    t.match(inst, { state: 'provisioned', configEnc: 'sealed-output', responseStatus: 200 })
    t.ok(inst.provisionedAt)
    const tok = await db.prisma.oAuthToken.findUniqueOrThrow({ where: { instanceUuid: uuid } })
    t.match(tok, { accessTokenEnc: 'a', refreshTokenEnc: 'r', grantCodeEnc: null })
    t.same((await events(db, uuid)).sort(), ['allocated:ok', 'grant_exchanged:ok', 'provision_requested:ok', 'provisioned:ok'], 'each recorded once (one statement: no order among them)')
    // A resumed run stores again: the first answer stands, nothing is recorded as provisioned twice.
    const again = await storeAllocation(db, uuid, 'sealed-output-2', { driver: 'logs' }, null, { status: 200, bodyEnc: sealDecisionBody(ring, uuid, { id: uuid, config: {} }) })
    t.notOk(again.ours)
    t.same(openDecisionBody(ring, uuid, again.decision!.bodyEnc), body, 'the first answer, byte for byte')
    t.same((await readDecision(db, ring, uuid))?.body, body)
    t.equal((await events(db, uuid)).filter((e) => e === 'provisioned:ok').length, 1)
  })

  t.test('storeAllocation after the gateway answered 202: the 202 stands, the instance stays provisioning', async (t) => {
    const uuid = await requested(db)
    await decideOnce(db, ring, uuid, { status: 202, body: { id: uuid, message: 'later' } }, { markProvisioned: true })
    const r = await storeAllocation(db, uuid, 'sealed-output', { driver: 'logs' }, null, { status: 200, bodyEnc: sealDecisionBody(ring, uuid, { id: uuid }) })
    t.notOk(r.ours)
    t.equal(r.decision?.status, 202)
    t.match(await db.prisma.instance.findUniqueOrThrow({ where: { uuid } }), { state: 'provisioning', configEnc: 'sealed-output', responseStatus: 202 })
    t.notOk((await events(db, uuid)).includes('provisioned:ok'))
  })

  t.test('concurrent deciders: one answer stands', async (t) => {
    const uuid = await requested(db)
    const results = await Promise.all([
      storeAllocation(db, uuid, 'sealed-output', {}, null, { status: 200, bodyEnc: sealDecisionBody(ring, uuid, { id: uuid, n: 1 }) }),
      decideOnce(db, ring, uuid, { status: 202, body: { id: uuid, n: 2 } }, { markProvisioned: true })
    ])
    const stands = await readDecision(db, ring, uuid)
    t.ok(results[0].ours !== (stands?.status === 202), 'whoever set it, the other sees it')
    t.same(results[1], stands)
    t.equal(results[0].decision?.status, stands?.status)
  })

  t.test('readProvisionReplay: the state in one statement; only an answered retry is recorded', async (t) => {
    const uuid = await requested(db, 'hobby')
    await storeAllocation(db, uuid, 'sealed-output', {}, null, { status: 200, bodyEnc: sealDecisionBody(ring, uuid, { id: uuid }) })
    const same = await readProvisionReplay(db, ring, uuid, 'hobby')
    t.match(same, { plan: 'hobby', firstPlan: 'hobby', state: 'provisioned', decision: { status: 200, body: { id: uuid } } })
    const other = await readProvisionReplay(db, ring, uuid, 'pro')
    t.equal(other?.firstPlan, 'hobby', 'a conflicting retry sees the first plan')
    t.equal(await readProvisionReplay(db, ring, randomUUID(), 'hobby'), null)
    await requestDeprovision(db, uuid, new Date(Date.now() + 60_000))
    t.equal((await readProvisionReplay(db, ring, uuid, 'hobby'))?.state, 'deprovisioned')
    t.equal((await events(db, uuid)).filter((e) => e === 'provision_replayed:noop').length, 1, 'the conflicting and the deprovisioned retries are not recorded')
  })
})

t.test('preparing: a text keeps one name; past 64 texts, statements run unnamed', async (t) => {
  const seen: unknown[][] = []
  const pool = { query: async (...args: unknown[]) => { seen.push(args); return { rows: [] } } }
  const p = preparing(pool as never)
  await p.query('SELECT 1 WHERE $1::int = 1', [1])
  await p.query('SELECT 1 WHERE $1::int = 1', [2])
  const [a, b] = seen.map((x) => x[0] as { name: string, text: string, values: unknown[] })
  t.match(a, { text: 'SELECT 1 WHERE $1::int = 1', values: [1] })
  t.equal(a!.name, b!.name, 'the same text, the same name')
  for (let i = 0; i < 70; i++) await p.query(`SELECT ${i}`, [])
  t.same(seen.at(-1), ['SELECT 69', []], 'beyond the cap, as given')
})
