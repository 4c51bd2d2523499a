// Group publish (ingest-publisher.ts): batches that are ready in the same turn of the event
// loop go to JetStream as one bundle message. Every line is still stored exactly once, also
// when the same Frame-Id arrives twice at once (a bundle has no msgID, so JetStream cannot
// drop the second: the log store's batch-id de-duplication does), and a batch alone in its turn is still
// published on its own with its msgID (JetStream drops a retry of it).
import t from 'tap'
import { storedMessages } from '@addonkit/log-store'
import { encodeFrames } from '@addonkit/logplex'
import { jetstreamManager } from '@nats-io/jetstream'
import { streams } from '@addonkit/contracts'
import { postDrain, startDrainStack, eventually } from './helper.js'

t.test('concurrent drains are bundled; each line is stored once, duplicates included', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant('standard')
  const other = await stack.tenant('standard')
  const stats = stack.app.ingest.stats
  let sent = 0
  let posts = 0
  const expected = new Map<string, number>()
  // Rounds of 24 concurrent requests for two tenants, until some were bundled (requests
  // that complete in one poll of the event loop; in practice the first round).
  for (let round = 0; round < 20 && stats.bundles === 0; round++) {
    const requests: Array<Promise<{ status: number }>> = []
    for (let k = 0; k < 24; k++) {
      const tt = k % 2 === 0 ? tenant : other
      const lines = Array.from({ length: 5 }, (_v, i) => `r${round} k${k} line ${i} ✓`)
      for (const l of lines) expected.set(`${tt.id} ${l}`, (expected.get(`${tt.id} ${l}`) ?? 0) + 1)
      const body = encodeFrames(lines.map((message) => ({ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message })))
      const frameId = `R${round}K${k}`
      requests.push(postDrain(stack, tt, body, { 'logplex-frame-id': frameId }))
      // Every third batch is delivered twice at once: the same Frame-Id in the same turn.
      if (k % 3 === 0) requests.push(postDrain(stack, tt, body, { 'logplex-frame-id': frameId }))
      sent += 5
    }
    posts += requests.length
    const statuses = (await Promise.all(requests)).map((r) => r.status)
    t.same([...new Set(statuses)], [204], `round ${round}: every request answered 204`)
  }
  t.ok(stats.bundles > 0, `${stats.bundledBatches} batches went in ${stats.bundles} bundles, of ${stats.messages} messages`)
  t.ok(stats.messages < posts, `fewer JetStream messages (${stats.messages}) than drain requests (${posts})`)
  const count = async () => (await stack.storedCount(tenant)) + (await stack.storedCount(other))
  await eventually(async () => (await count()) >= sent, 20_000, 100)
  t.equal(await count(), sent, 'every line stored once, none of the duplicates')
  const seen = new Map<string, number>()
  for (const id of [tenant.id, other.id]) for (const msg of await storedMessages(stack.db.pool, id)) seen.set(`${id} ${msg}`, (seen.get(`${id} ${msg}`) ?? 0) + 1)
  t.same(seen, expected, 'each tenant has exactly its own lines, each once')

  // Alone in its turn, a batch is its own message, and JetStream drops its retry.
  const jsm = await jetstreamManager(stack.app.nats)
  const lastSeq = async () => (await jsm.streams.info(streams.logIngest)).state.last_seq
  const seqBefore = await lastSeq()
  const before = { ...stats }
  const body = encodeFrames([{ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: 'alone' }])
  t.equal((await postDrain(stack, tenant, body, { 'logplex-frame-id': 'ALONE' })).status, 204)
  t.equal((await postDrain(stack, tenant, body, { 'logplex-frame-id': 'ALONE' })).status, 204)
  t.equal(stats.messages - before.messages, 2, 'two messages')
  t.equal(stats.bundles, before.bundles, 'neither a bundle')
  t.equal(await lastSeq(), seqBefore + 1, 'JetStream kept one of the two (same msgID)')
  await eventually(async () => (await count()) >= sent + 1, 10_000, 100)
  t.equal(await count(), sent + 1, 'the retry is not stored again')
})

t.test('DRAIN_GROUP_PUBLISH=off: every batch is its own message', async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_GROUP_PUBLISH: 'off' } })
  const tenant = await stack.tenant('standard')
  const posts = Array.from({ length: 24 }, (_v, k) => postDrain(stack, tenant, encodeFrames([{ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: `off ${k}` }])))
  t.same([...new Set((await Promise.all(posts)).map((r) => r.status))], [204])
  t.same(stack.app.ingest.stats, { messages: 24, bundles: 0, bundledBatches: 0 }, '24 messages, no bundle')
  await eventually(async () => (await stack.storedCount(tenant)) >= 24, 10_000, 100)
  t.equal(await stack.storedCount(tenant), 24)
})
