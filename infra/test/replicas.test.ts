// The platform as `npm start -- --replicas 2 --nats-cluster 3` runs it: two processes of
// every service behind a TCP balancer on each service's port, a 3-node JetStream cluster,
// one PostgreSQL. Under a steady load of provisions, drain POSTs (the simulator's Logplex
// sender, with its retries) and SSO sign-ins, one NATS node and one replica of each service
// are SIGKILLed; nothing acknowledged is lost or doubled, and the killed replicas come back.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { createDrainSender, createHerokuDriver, type DrainSender } from '@addonkit/heroku-sim'
import type { NatsClusterHandle } from '@addonkit/local-servers'
import { countMessages } from '../src/data-api-client.js'
import { startTestPlatform } from './platform-helper.js'

t.setTimeout(300_000)

const SERVICES = ['gateway', 'dashboard', 'log-drain', 'allocator']
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T> (what: string, fn: () => T | Promise<T>, ms: number, intervalMs = 250): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try { const v = await fn(); if (v) return v as NonNullable<T> } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`)
    await sleep(intervalMs)
  }
}

t.test('2 replicas of every service on a 3-node NATS cluster: a NATS node and one replica of each killed under load, nothing lost', async (t) => {
  const platform = await startTestPlatform(t, { LOG_LEVEL: 'warn' }, { replicas: 2, natsCluster: 3 })
  const fail = (err: unknown) => { t.comment(platform.output.join('').slice(-6000)); throw err }
  t.same([...platform.children.keys()].sort(), SERVICES.flatMap((s) => [s, `${s}#2`]).sort(), 'two processes of each service')
  const db = new pg.Pool({ connectionString: platform.env.DATABASE_URL, max: 2 })
  db.on('error', () => {})
  t.teardown(() => db.end())
  const heroku = createHerokuDriver({ sim: platform.sim!, baseUrl: `${platform.gatewayUrl}/heroku/resources`, addonId: platform.manifest.id, password: platform.manifest.api.password })

  // A provision as Heroku makes it: the same uuid again after a failure, until an answer.
  const answers = new Map<string, { status: number, config: unknown }>()
  async function provision (): Promise<string> {
    const uuid = randomUUID()
    for (let attempt = 1; ; attempt++) {
      const r = await heroku.provision({ uuid, plan: 'hobby' }).catch(() => null)
      if (r && (r.status === 200 || r.status === 202)) { answers.set(uuid, { status: r.status, config: (r.body as { config?: unknown }).config ?? null }); return uuid }
      if (attempt >= 20) throw new Error(`provision ${uuid}: no answer after ${attempt} attempts (last ${r?.status})`)
      await sleep(300)
    }
  }
  const first = await Promise.all([provision(), provision()]).catch(fail)
  await Promise.all(first.map((u) => heroku.waitForState(u, 'provisioned', 60_000))).catch(fail)

  // Logplex sends to both add-ons' drains all along, retrying what fails.
  const senders: Array<{ uuid: string, sender: DrainSender, lines: number }> = first.map((uuid) => {
    const addon = platform.sim!.addons.get(uuid)!
    const sender = createDrainSender({ drainUrl: addon.logDrainUrl!, drainToken: addon.logDrainToken, ca: platform.drainCa!, maxAttempts: 50, baseDelayMs: 200, concurrency: 4, maxLines: 50 })
    t.teardown(() => sender.close())
    return { uuid, sender, lines: 0 }
  })
  let loading = true
  let ssoOk = 0
  let ssoTries = 0
  const provisioned: string[] = [...first]
  const load = Promise.all([
    (async () => { let i = 0; while (loading) { for (const s of senders) { s.sender.push(Array.from({ length: 20 }, (_v, k) => ({ message: `line ${s.uuid} ${i}-${k}` }))); s.lines += 20 } i++; await sleep(50) } })(),
    (async () => { while (loading) { provisioned.push(await provision()); await sleep(200) } })(),
    (async () => {
      while (loading) {
        const uuid = first[ssoTries++ % first.length]!
        // A person whose click failed clicks again: a fresh SSO form each time.
        for (let k = 0; k < 10; k++) {
          const sso = await platform.sim!.ssoRequest(uuid)
          const res = await fetch(sso.action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(sso.params).toString() }).catch(() => null)
          if (res && res.status === 303) { ssoOk++; break }
          await sleep(200)
        }
        await sleep(100)
      }
    })()
  ])

  await sleep(3000)
  // Faults: one NATS node, then one replica of each service, all by SIGKILL.
  const cluster = platform.nats as NatsClusterHandle
  cluster.nodes[1]!.process.kill('SIGKILL')
  const killed = new Map<string, number>()
  for (const s of SERVICES) {
    const c = platform.children.get(`${s}#2`)!
    killed.set(`${s}#2`, c.pid!)
    c.kill('SIGKILL')
  }
  await sleep(8000)
  loading = false
  await load.catch(fail)

  // The killed replicas were started again by the supervisor.
  for (const [key, pid] of killed) {
    const c = await until(`${key} restarted`, () => { const c = platform.children.get(key); return c && c.pid !== pid && c.exitCode === null ? c : null }, 30_000).catch(fail)
    t.ok(c.pid, `${key} runs again (pid ${c.pid})`)
  }

  // Drains: every line pushed was acknowledged (none given up), and each is stored once.
  for (const s of senders) {
    await s.sender.flush()
    t.equal(s.sender.counters.droppedLines, 0, 'Logplex gave up on no line')
    t.equal(s.sender.counters.acknowledgedLines, s.lines, `all ${s.lines} lines acknowledged (${s.sender.counters.retried} retried POSTs)`)
    // Counted as the app sees them: through the data API.
    const addonUrl = platform.sim!.addons.get(s.uuid)!.config.ADDONKIT_URL!
    const stored = await until('every acknowledged line stored', async () => {
      const r = await countMessages(addonUrl, { ca: platform.drainCa! })
      return r.total >= s.lines ? r : null
    }, 60_000, 6000).catch(fail) // a full read is 5 pages: every 6 s stays under hobby's 60 requests a minute
    t.equal(stored.total, s.lines, 'stored: as many lines as acknowledged')
    t.equal(stored.distinct, s.lines, 'each line once')
  }

  // Provisions: every one answered became provisioned, with exactly one resource, and a
  // replay gets the same answer.
  t.ok(provisioned.length >= 5, `${provisioned.length} add-ons provisioned through the faults`)
  for (const uuid of provisioned) {
    await heroku.waitForState(uuid, 'provisioned', 60_000).catch(fail)
    // One resource: its credentials (the config Heroku holds) open it. (A second one cannot
    // exist: the log store keeps one tenant per instance, a unique key.)
    await countMessages(platform.sim!.addons.get(uuid)!.config.ADDONKIT_URL!, { ca: platform.drainCa! }).then(() => t.pass(`${uuid.slice(0, 8)}: its resource answers with the config's credentials`), fail)
    const again = await heroku.provision({ uuid, plan: 'hobby' })
    t.equal(again.status, 200, `${uuid.slice(0, 8)}: a replay is answered 200`)
    const firstAnswer = answers.get(uuid)!
    if (firstAnswer.status === 200) t.same((again.body as { config?: unknown }).config, firstAnswer.config, `${uuid.slice(0, 8)}: with the same config`)
  }
  const unfinished = (await db.query("SELECT count(*) AS n FROM operations WHERE status IN ('pending', 'running')")).rows[0]!.n
  t.equal(Number(unfinished), 0, 'no operation left unfinished')
  t.ok(ssoOk >= 5, `${ssoOk} SSO sign-ins through the faults (each signed in, retrying a failed click)`)
})
