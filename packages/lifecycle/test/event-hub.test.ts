// Instance events through the connection's shared subscription (events.ts, issue 20): every
// watcher of an instance gets its events, a closed watcher gets none, and however many
// requests wait, the connection holds one subscription.
import t from 'tap'
import { connect } from '@nats-io/transport-node'
import { startTestNats } from '@addonkit/testkit'
import { publishInstanceEvent, watchInstance } from '../src/index.js'

t.test('watchers share one subscription per connection', async (t) => {
  const server = await startTestNats(t)
  const a = await connect({ servers: server.url })
  const b = await connect({ servers: server.url })
  t.teardown(async () => { await a.close(); await b.close() })
  const before = a.stats().outMsgs
  const w1 = watchInstance(a, 'i-1')
  const w2 = watchInstance(a, 'i-1')
  const w3 = watchInstance(a, 'i-3')
  const closed = watchInstance(a, 'i-1')
  closed.close()
  await a.flush()
  publishInstanceEvent(b, { instanceUuid: 'i-1', kind: 'ready', outcome: 'progress' })
  publishInstanceEvent(b, { instanceUuid: 'i-2', kind: 'ready', outcome: 'progress' })
  publishInstanceEvent(b, { instanceUuid: 'i-3', kind: 'decided', outcome: 'progress', message: '200' })
  t.equal((await w1.next((e) => e.kind === 'ready', 2000))?.instanceUuid, 'i-1')
  t.equal((await w2.next((e) => e.kind === 'ready', 2000))?.instanceUuid, 'i-1', 'both watchers of an instance get its event')
  t.equal((await w3.next((e) => e.kind === 'decided', 2000))?.message, '200')
  t.equal(await closed.next(() => true, 100), null, 'a closed watcher gets nothing')
  t.equal(await w1.next(() => true, 100), null, 'no other instance\'s event')
  for (const w of [w1, w2, w3]) w.close()
  t.equal(a.stats().outMsgs, before, 'watching published nothing')
  const subs = (a as unknown as { protocol: { subscriptions: { size (): number } } }).protocol.subscriptions.size()
  t.equal(subs, 1, 'one subscription for every watcher of the connection')
})

t.test('an instance is the same whatever the case of its uuid', async (t) => {
  const server = await startTestNats(t)
  const a = await connect({ servers: server.url })
  const b = await connect({ servers: server.url })
  t.teardown(async () => { await a.close(); await b.close() })
  const upper = watchInstance(a, 'AB-CD')
  const lower = watchInstance(a, 'ab-cd')
  await a.flush()
  publishInstanceEvent(b, { instanceUuid: 'ab-cd', kind: 'ready', outcome: 'progress' })
  publishInstanceEvent(b, { instanceUuid: 'AB-CD', kind: 'decided', outcome: 'progress', message: '202' })
  t.equal((await upper.next((e) => e.kind === 'ready', 2000))?.instanceUuid, 'ab-cd', 'a watcher given capitals gets the event published in lower case')
  t.equal((await lower.next((e) => e.kind === 'decided', 2000))?.message, '202', 'and the other way round')
  upper.close()
  lower.close()
})
