// The drain on a 3-node JetStream cluster (loopback): the ingest stream is kept on 3
// servers, the durability warning drops the power-loss risk, and SIGKILL of the stream's
// leader in the middle of the traffic loses and doubles no acknowledged line.
import t from 'tap'
import { storedLineCounts } from '@addonkit/log-store'
import { jetstreamManager } from '@nats-io/jetstream'
import { streams } from '@addonkit/contracts'
import { startDrainStack, eventually } from './helper.js'

t.test('R3 on a 3-node cluster; the stream leader SIGKILLed mid-traffic loses no acknowledged line', async (t) => {
  const stack = await startDrainStack(t, { cluster: true })
  const cluster = stack.cluster!
  const jsm = await jetstreamManager(stack.app.nats, { timeout: 5000 })
  const info = await jsm.streams.info(streams.logIngest)
  t.equal(info.config.num_replicas, 3, 'the ingest stream is kept on 3 servers')
  t.equal(info.cluster?.replicas?.length, 2, 'a leader and two replicas')

  const warning = stack.logs.text.split('\n').filter((l) => l.includes('NATS durability'))
  t.ok(warning.length >= 1, 'the version risk is still named (Debian\'s nats-server predates 2.10.23)')
  t.notMatch(warning.join('\n'), /power loss/, 'but not the power-loss risk: a 3-node cluster keeps the stream on 3 machines')

  const tenant = await stack.tenant('standard')
  const sender = tenant.sender({ maxAttempts: 1000, baseDelayMs: 50, maxLines: 200 })
  const N = 3000
  const push = (from: number, to: number) => { for (let i = from; i < to; i++) sender.push({ message: `line ${i}`, procId: `web.${i % 3}` }) }
  push(0, 1000)
  await sender.flush()

  const leader = info.cluster!.leader!
  const node = cluster.nodes[Number(leader.replace(/^n/, '')) - 1]!
  push(1000, 2000)
  const during = sender.flush()
  node.process.kill('SIGKILL')
  await new Promise((resolve) => node.process.once('exit', resolve))
  await during
  push(2000, N)
  await sender.flush()

  t.equal(sender.counters.acknowledgedLines, N, 'every line acknowledged in the end')
  t.equal(sender.counters.dropped, 0)
  t.comment(`${sender.counters.retried} batches retried while the cluster elected a new leader`)
  t.notOk(sender.batches.some((b) => b.statuses.some((s) => s >= 400 && s !== 503)), 'never a 4xx or a 5xx other than 503')
  const after = await eventually(async () => { const i = await jsm.streams.info(streams.logIngest); return i.cluster?.leader && i.cluster.leader !== leader ? i : null }, 30_000)
  t.not(after.cluster!.leader, leader, `a new leader: ${after.cluster!.leader}`)
  await eventually(async () => (await stack.storedCount(tenant)) >= N, 60_000)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const r = await storedLineCounts(stack.db.pool, tenant.id)
  t.same([r.total, r.distinct], [N, N], 'exactly N rows, each line once')
})
