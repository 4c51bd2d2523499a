// IngestLoad: what the writer thread reads to let ingestion go first.
import t from 'tap'
import { Worker } from 'node:worker_threads'
import { IngestLoad, BUSY_INFLIGHT } from '../src/ingest/ingest-load.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('busy from enough requests in flight', async (t) => {
  const load = new IngestLoad()
  for (let i = 0; i < BUSY_INFLIGHT - 1; i++) load.requestStarted()
  t.notOk(load.busy())
  load.requestStarted()
  t.equal(load.inflight(), BUSY_INFLIGHT)
  t.ok(load.busy())
  load.requestEnded()
  t.notOk(load.busy())
})

t.test('busy while the sampled event loop is saturated, and not once it is idle', async (t) => {
  const load = new IngestLoad()
  const stop = load.sampleUtilization()
  t.teardown(stop)
  await sleep(250)
  // A saturated loop for 800 ms: 20 ms of synchronous work at a time, never waiting.
  const end = Date.now() + 800
  while (Date.now() < end) {
    const stretch = Date.now() + 20
    while (Date.now() < stretch) { /* busy */ }
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.ok(load.utilization() >= 900, `utilization ${load.utilization()} / 1000 at the end of the busy stretch`)
  t.ok(load.busy())
  await sleep(500)
  t.ok(load.utilization() < 500, `utilization ${load.utilization()} / 1000 while idle`)
  t.notOk(load.busy())
  stop()
  t.equal(load.utilization(), 0, 'stopping clears it')
})

t.test('the counts are shared with another thread', async (t) => {
  const load = new IngestLoad()
  for (let i = 0; i < BUSY_INFLIGHT; i++) load.requestStarted()
  // A plain CommonJS thread: it needs none of the test's loaders (execArgv), and an error in
  // it fails this test with its message instead of crashing the file (a CI run once ended
  // here with 'test unfinished').
  const w = new Worker('const { workerData, parentPort } = require("node:worker_threads"); parentPort.postMessage(Atomics.load(workerData, 0)); Atomics.sub(workerData, 0, 3)', { eval: true, workerData: load.shared, execArgv: [] })
  const exited = new Promise((resolve) => w.once('exit', resolve))
  const seen = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })
  await exited
  t.equal(seen, BUSY_INFLIGHT, 'the thread reads the count')
  t.equal(load.inflight(), BUSY_INFLIGHT - 3, 'and its change is seen here')
})
