// The ingest stream is bounded (DRAIN_BACKLOG_MAX_BYTES): when the writer has fallen that
// far behind, a drain POST is answered 503 + Retry-After (Logplex retries it), nothing
// acknowledged is lost, and ingestion resumes by itself once the writer catches up.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { encodeFrames } from '@addonkit/logplex'
import { buildWriterApp } from '../src/writer/writer-app.js'
import { loadDrainConfig } from '../src/config.js'
import { startDrainStack, postDrain, eventually } from './helper.js'
import { jetstreamManager } from '@nats-io/jetstream'
import { streams } from '@addonkit/contracts'
import { IngestLoad, BUSY_INFLIGHT } from '../src/ingest/ingest-load.js'

t.test('a full backlog answers 503 with Retry-After, loses nothing, and recovers', async (t) => {
  // The writer is off, so the backlog only grows; 1 MiB of (barely compressible) batches.
  const stack = await startDrainStack(t, { env: { DRAIN_WRITER: 'off', DRAIN_BACKLOG_MAX_BYTES: String(1024 * 1024) } })
  const tenant = await stack.tenant('standard')
  const ts = new Date().toISOString()
  const body = () => encodeFrames(Array.from({ length: 40 }, (_, i) => ({ timestamp: ts, appName: 'app', procId: 'web.1', message: `${i} ${randomBytes(1500).toString('base64')}` })))
  let acked = 0
  let refused: Awaited<ReturnType<typeof postDrain>> | undefined
  for (let i = 0; i < 100 && !refused; i++) {
    const res = await postDrain(stack, tenant, body(), { 'logplex-msg-count': '40' })
    if (res.status === 204) acked += 40
    else refused = res
  }
  t.ok(refused, 'refused once the backlog is full')
  t.equal(refused!.status, 503)
  t.equal(refused!.headers.get('retry-after'), '1')
  t.match(refused!.json, { code: /^DRAIN_/ })
  t.ok(acked >= 40 * 10, `acknowledged ${acked} lines first`)

  // The writer starts (as a second process would): the backlog drains, every acknowledged
  // line is stored once, and drains are accepted again.
  const w = await buildWriterApp(loadDrainConfig({ ...stack.env, DRAIN_WRITER: 'inline' }), { logStream: stack.logs })
  await w.ready()
  t.teardown(() => w.close())
  await eventually(async () => (await stack.storedCount(tenant)) === acked, 30_000, 200)
  t.equal(await stack.storedCount(tenant), acked, 'every acknowledged line stored, once')
  t.equal((await postDrain(stack, tenant, body(), { 'logplex-msg-count': '40' })).status, 204, 'accepted again')
})

t.test('the writer lets a busy ingestion go first until the backlog is half full', async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_WRITER: 'off', DRAIN_BACKLOG_MAX_BYTES: String(1024 * 1024) } })
  const tenant = await stack.tenant('standard')
  const ts = new Date().toISOString()
  const body = () => encodeFrames(Array.from({ length: 40 }, (_, i) => ({ timestamp: ts, appName: 'app', procId: 'web.1', message: `${i} ${randomBytes(1500).toString('base64')}` })))
  const jsm = await jetstreamManager(stack.app.nats, { timeout: 5000 })
  const backlogBytes = async () => (await jsm.streams.info(streams.logIngest)).state.bytes

  // A writer beside an ingestion that is busy (as many drain requests in flight as count).
  const load = new IngestLoad()
  for (let i = 0; i < BUSY_INFLIGHT; i++) load.requestStarted()
  t.ok(load.busy())
  const w = await buildWriterApp(loadDrainConfig({ ...stack.env, DRAIN_WRITER: 'inline' }), { logStream: stack.logs, load, maxYieldMs: 120_000 })
  await w.ready()
  t.teardown(() => w.close())

  let acked = 0
  const post = async () => { t.equal((await postDrain(stack, tenant, body(), { 'logplex-msg-count': '40' })).status, 204); acked += 40 }
  while (await backlogBytes() < 300 * 1024) await post()
  await new Promise((resolve) => setTimeout(resolve, 2500))
  t.equal(await stack.storedCount(tenant), 0, 'nothing stored while ingestion is busy and the backlog is under half')
  t.ok(w.logWriter.stats.yieldedMs >= 2000, `the writer yielded ${w.logWriter.stats.yieldedMs} ms`)

  // Past half of the limit it stores whatever ingestion does.
  while (await backlogBytes() < 600 * 1024) await post()
  await eventually(async () => (await stack.storedCount(tenant)) > 0, 20_000, 100)
  t.ok(load.busy(), 'ingestion still busy')
  t.ok(await stack.storedCount(tenant) > 0, 'stored past half of the backlog limit')

  // Ingestion idle again: the rest is stored, every line once.
  for (let i = 0; i < BUSY_INFLIGHT; i++) load.requestEnded()
  t.notOk(load.busy())
  await eventually(async () => (await stack.storedCount(tenant)) === acked, 20_000, 100)
  t.equal(await stack.storedCount(tenant), acked, 'every acknowledged line stored, once')
})
