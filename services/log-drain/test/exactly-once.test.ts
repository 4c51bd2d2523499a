// End to end through the simulator's Logplex-like sender: retried batches (the same
// Frame-Id after a 503), duplicate deliveries and a nats-server outage never lose or
// double a line (issue 4 acceptance).
import t from 'tap'
import { storedMessages as storedMessagesOf } from '@addonkit/log-store'
import type { DrainSender } from '@addonkit/heroku-sim'
import { startDrainStack, eventually, type DrainStack, type TestTenant } from './helper.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function pushLines (sender: DrainSender, from: number, to: number) {
  for (let i = from; i < to; i++) sender.push({ message: `line ${i} ${i % 7 === 0 ? 'héllo ✓ 日本' : 'plain'}`, procId: `web.${i % 3}` })
}

async function storedMessages (stack: DrainStack, tenant: TestTenant): Promise<{ total: number, distinct: number, messages: Set<string> }> {
  const all = await storedMessagesOf(stack.db.pool, tenant.id)
  const messages = new Set(all)
  return { total: all.length, distinct: messages.size, messages }
}

t.test('N lines with duplicate deliveries and 503s from a nats-server outage: exactly N stored, each once', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant('standard')
  const N = 6000
  // Retry until delivered (a test option); every acknowledged batch is delivered twice more.
  const sender = tenant.sender({ duplicateDeliveries: 2, maxAttempts: 1000, baseDelayMs: 50, maxLines: 200 })
  pushLines(sender, 0, 2000)
  await sender.flush()
  await stack.nats.stop()
  pushLines(sender, 2000, 4000)
  const during = sender.flush()
  await sleep(1500)
  await stack.nats.restart()
  await during
  pushLines(sender, 4000, N)
  await sender.flush()
  const c = sender.counters
  t.equal(c.acknowledgedLines, N, 'every line acknowledged in the end')
  t.equal(c.dropped, 0)
  t.ok(c.retried > 0, `${c.retried} retries after 503s`)
  t.ok(c.duplicated >= 2 * c.acknowledged, 'duplicates delivered')
  t.ok(sender.batches.some((b) => b.statuses.includes(503)), 'some batch was answered 503')
  t.notOk(sender.batches.some((b) => b.statuses.some((s) => s >= 400 && s !== 503)), 'never a 4xx or another 5xx')
  await eventually(async () => (await stack.storedCount(tenant)) >= N, 30_000)
  await sleep(1000)
  const s = await storedMessages(stack, tenant)
  t.equal(s.total, N, 'exactly N rows')
  t.equal(s.distinct, N, 'each line once')
})

t.test('with Logplex\'s 3 attempts, every acknowledged line is stored once after nats-server comes back', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant('standard')
  const sender = tenant.sender({ maxLines: 100, baseDelayMs: 100 })
  pushLines(sender, 0, 1000)
  await sender.flush()
  await stack.nats.stop()
  pushLines(sender, 1000, 2000)
  await sender.flush()
  t.ok(sender.counters.dropped > 0, 'batches sent during the outage were refused with 503 and given up by the sender')
  await stack.nats.restart()
  pushLines(sender, 2000, 3000)
  await sender.flush()
  // The lines of each acknowledged batch, from the order in which the sender cut them.
  const acked = new Set<string>()
  let next = 0
  for (const b of sender.batches) {
    for (let i = next; i < next + b.lines; i++) if (b.outcome === 'acknowledged') acked.add(`line ${i} ${i % 7 === 0 ? 'héllo ✓ 日本' : 'plain'}`)
    next += b.lines
  }
  t.equal(acked.size, sender.counters.acknowledgedLines)
  t.ok(acked.size >= 2000)
  await eventually(async () => (await stack.storedCount(tenant)) >= acked.size, 30_000)
  await sleep(500)
  const s = await storedMessages(stack, tenant)
  let missing = 0
  for (const m of acked) if (!s.messages.has(m)) missing++
  t.equal(missing, 0, 'no acknowledged line lost')
  t.equal(s.total, s.distinct, 'no line doubled')
  t.equal(s.total, acked.size, 'nothing stored that was not acknowledged (the 503 batches were refused whole)')
})
