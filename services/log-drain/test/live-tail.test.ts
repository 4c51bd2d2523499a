// Live tail is published by ingestion once JetStream confirmed a batch: it does not wait
// for the writer (here: no writer at all), a batch JetStream recognised as a retry is not
// tailed twice, nothing is built for tenants nobody tails, and once the writer says a
// tenant's daily quota is used up, that day's further lines are not tailed.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { encodeFrames } from '@addonkit/logplex'
import { subjects } from '@addonkit/contracts'
import { startDrainStack, postDrain, eventually, openSseTail } from './helper.js'

const frames = (...messages: string[]) => encodeFrames(messages.map((message) => ({ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message })))
const settle = () => new Promise((resolve) => setTimeout(resolve, 400))

t.test('without a writer: tailed at once, in order, a retried batch once; nothing for tenants nobody tails', async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_WRITER: 'off' } })
  const tenant = await stack.tenant()
  const quiet = await stack.tenant()
  const tail = await openSseTail(stack, tenant)
  t.teardown(() => tail.close())

  const frameId = randomUUID().replace(/-/g, '').toUpperCase()
  t.equal((await postDrain(stack, tenant, frames('one', 'two', 'three'), { 'logplex-frame-id': frameId })).status, 204)
  await eventually(() => tail.events.length === 3)
  t.same(tail.events.map((e) => e.data.message), ['one', 'two', 'three'])
  t.match(tail.events[0]!.data, { source: 'app', proc: 'web.1', status: null, path: null })
  t.equal(await stack.storedCount(tenant), 0, 'nothing stored: the tail did not wait for the writer')

  t.equal((await postDrain(stack, tenant, frames('one', 'two', 'three'), { 'logplex-frame-id': frameId })).status, 204, 'Logplex retries the batch')
  await settle()
  t.equal(tail.events.length, 3, 'a batch JetStream already had is not tailed again')

  // A direct subscription to the quiet tenant's tail subject announces nothing.
  const seen: string[] = []
  const sub = stack.app.nats.subscribe(subjects.logTail(quiet.id), { callback: (_err, m) => { seen.push(m.string()) } })
  t.teardown(() => sub.unsubscribe())
  t.equal((await postDrain(stack, quiet, frames('unwatched'))).status, 204)
  await settle()
  t.same(seen, [], 'no tail message for a tenant nobody tails')
  stack.app.nats.publish(subjects.logTailInterest(quiet.id))
  await stack.app.nats.flush()
  t.equal((await postDrain(stack, quiet, frames('watched'))).status, 204)
  await eventually(() => seen.length === 1)
  t.match(JSON.parse(seen[0]!), { tenantId: quiet.id, lines: [{ message: 'watched' }] })
})

t.test('over the daily quota: once the writer has said so, further lines are not tailed', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant('tiny') // 50 lines a day
  const tail = await openSseTail(stack, tenant)
  t.teardown(() => tail.close())
  const full: string[] = []
  const sub = stack.app.nats.subscribe(subjects.logQuotaFull(tenant.id), { callback: (_err, m) => { full.push(m.string()) } })
  t.teardown(() => sub.unsubscribe())

  t.equal((await postDrain(stack, tenant, frames(...Array.from({ length: 40 }, (_, i) => `under ${i}`)))).status, 204)
  await eventually(() => tail.events.length === 40)
  t.equal((await postDrain(stack, tenant, frames(...Array.from({ length: 20 }, (_, i) => `over ${i}`)))).status, 204)
  // Tailed before the writer decides: these 20 are shown, 10 of them are then dropped.
  await eventually(() => tail.events.length === 60)
  await eventually(() => full.length > 0, 10_000)
  t.same(full, [new Date().toISOString().slice(0, 10)], 'the writer says which UTC day is used up')
  t.equal(await stack.storedCount(tenant), 50)

  t.equal((await postDrain(stack, tenant, frames('after the quota'))).status, 204, 'still acknowledged')
  await settle()
  t.equal(tail.events.length, 60, 'not tailed: it will not be stored')
})
