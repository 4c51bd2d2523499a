import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createDb } from '@addonkit/db'
import { parseKeyRingSpec } from '@addonkit/config'
import { KeyRing, generateKeyRingSpec } from '@addonkit/secrets'
import { createTestDatabase, startTestNats } from '@addonkit/testkit'
import { connect } from '@nats-io/transport-node'
import { decideOnce, readDecision, storeResourceOutput, openResourceOutput, publishInstanceEvent, watchInstance } from '../src/index.js'

t.test('a provision answer is decided once, sealed at rest, and replayed', async (t) => {
  const db = createDb(await createTestDatabase(t))
  t.teardown(() => db.close())
  const ring = new KeyRing(parseKeyRingSpec(generateKeyRingSpec()))
  const uuid = randomUUID()
  await db.prisma.instance.create({ data: { uuid, plan: 'hobby', region: 'r', driver: 'logs' } })
  t.equal(await readDecision(db, ring, uuid), null)
  const answers = await Promise.all([
    decideOnce(db, ring, uuid, { status: 200, body: { id: uuid, config: { X_URL: 'https://u:secret@h' } } }),
    decideOnce(db, ring, uuid, { status: 202, body: { id: uuid } }),
    decideOnce(db, ring, uuid, { status: 202, body: { id: uuid } })
  ])
  t.same(answers[1], answers[0], 'every contender gets the decision that stands')
  t.same(answers[2], answers[0])
  t.same(await readDecision(db, ring, uuid), answers[0])
  const raw = await db.pool.query('SELECT response_body_enc FROM instances WHERE uuid = $1', [uuid])
  t.notMatch(raw.rows[0].response_body_enc, /secret/, 'the body is sealed')
  await storeResourceOutput(db, ring, uuid, { config: { X_URL: 'https://u:pw@h' }, logDrainUrl: 'https://d:pw@h/drain' })
  const sealed = (await db.prisma.instance.findUniqueOrThrow({ where: { uuid } })).configEnc
  t.same(openResourceOutput(ring, uuid, sealed), { config: { X_URL: 'https://u:pw@h' }, logDrainUrl: 'https://d:pw@h/drain' })
  t.throws(() => openResourceOutput(ring, randomUUID(), sealed), 'sealed output is bound to its instance')
})

t.test('instance events reach watchers that subscribed first; timeouts give null', async (t) => {
  const server = await startTestNats(t)
  const a = await connect({ servers: server.url })
  const b = await connect({ servers: server.url })
  t.teardown(async () => { await a.close(); await b.close() })
  const w = watchInstance(a, 'i-1')
  t.teardown(() => w.close())
  await a.flush()
  publishInstanceEvent(b, { instanceUuid: 'i-1', kind: 'ready', outcome: 'progress' })
  publishInstanceEvent(b, { instanceUuid: 'i-2', kind: 'ready', outcome: 'progress' })
  const ev = await w.next((e) => e.kind === 'ready', 2000)
  t.equal(ev?.instanceUuid, 'i-1')
  t.equal(await w.next((e) => e.kind === 'ready', 100), null, 'another instance\'s event is not seen')
})
