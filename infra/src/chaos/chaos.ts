// The chaos suite (`npm run chaos`; a short form runs in `npm test`): the platform as
// `npm start -- --replicas 2 --nats-cluster 3` runs it, on a PostgreSQL of its own, with
// every service reaching NATS and PostgreSQL through fault proxies. A steady mixed load —
// provisions, plan changes, deprovisions, SSO sign-ins, data API calls and drain POSTs from
// the simulator's Logplex sender with its retries — runs while faults are injected in turn:
// SIGKILL of a replica of each service, SIGSTOP of one replica, a NATS node killed and
// started again, the JetStream meta leader restarted, PostgreSQL restarted, and latency,
// cut connections and dropped bytes on the proxies. Then the faults stop, the platform
// recovers, and the invariants are checked: every acknowledged drain line stored exactly
// once; every provision with one resource and the same answer on replay; no instance or
// operation left unfinished; plans as last acknowledged; deprovisioned credentials refused.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { createDrainSender, createHerokuDriver, type DrainSender, type DriverRequest } from '@addonkit/heroku-sim'
import { startPostgresServer, type PostgresServerHandle, type NatsClusterHandle } from '@addonkit/local-servers'
import { startThrowawayPlatform, type ThrowawayPlatform } from '../throwaway-platform.js'
import { startFaultProxy, type FaultProxy } from './fault-proxy.js'
import { countMessages, request } from '../data-api-client.js'

export interface ChaosOptions {
  /** How long the load and the faults run (CHAOS_SECONDS). */
  seconds: number
  /** How long a replica stays SIGSTOPped. Default 10. */
  stopSeconds?: number
  /** Seed of the fault and load choices (printed, so a run can be repeated). */
  seed?: number
  /** Only these faults, in this order (CHAOS_FAULTS; default all of FAULT_NAMES). */
  faults?: readonly string[]
  log?: (msg: string) => void
}

export interface LatencySummary { n: number, p50: number, p99: number }

export interface ChaosReport {
  seconds: number
  seed: number
  /** Acknowledged drain lines not stored. */
  lost: number
  /** Drain lines stored more than once. */
  doubled: number
  /** Lines Logplex gave up on after its retries (not acknowledged, so not promised). */
  given_up: number
  /** Completed operations by kind, and their total. */
  operations: Record<string, number>
  /** Requests by kind that got an error or no answer (retried: Heroku and apps retry). */
  retried: Record<string, number>
  /** Faults injected, by kind. */
  faults: Record<string, number>
  invariants_ok: boolean
  invariants: Record<string, { ok: boolean, detail: string }>
  /** Each service's longest time without a successful /healthz through its balancer. */
  longest_unavailable_ms: Record<string, number>
  /** Latency of answered requests (provision, plan change, deprovision, SSO, data API): in the quiet start before the first fault, and from then on. */
  latency_ms: { quiet: LatencySummary, faults: LatencySummary }
}

const SERVICES = ['gateway', 'dashboard', 'log-drain', 'allocator'] as const
export type FaultName = typeof FAULT_NAMES[number]
/** The faults, in the order they are injected (round after round). */
export const FAULT_NAMES = [
  'sigkill_replica_of_each_service', 'sigstop_replica', 'nats_node_killed_and_restarted', 'jetstream_meta_leader_restarted', 'postgres_restarted',
  'latency_200ms_nats_and_postgres', 'connections_cut_nats_then_postgres', 'bytes_dropped_postgres', 'bytes_dropped_nats'
] as const
const PLANS = ['hobby', 'standard', 'pro']
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A small seeded generator (mulberry32): the same seed makes the same choices. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function summary (values: number[]): LatencySummary {
  const s = [...values].sort((a, b) => a - b)
  const at = (q: number) => s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10 : 0
  return { n: s.length, p50: at(0.5), p99: at(0.99) }
}

/** GET with a deadline; resolves the status, 0 when no answer came in time. */
async function get (url: string, opts: { ca?: string, timeoutMs?: number } = {}): Promise<number> {
  return (await request(url, { timeoutMs: opts.timeoutMs ?? 2000, ...(opts.ca ? { ca: opts.ca } : {}) })).status
}

interface Addon { uuid: string, plan: string, request: DriverRequest, firstStatus: number, firstConfig: Record<string, string> | null, drain: boolean }

export async function runChaos (o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => {})
  const seed = o.seed ?? (Date.now() % 1_000_000)
  const random = prng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const stopMs = (o.stopSeconds ?? 10) * 1000
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-chaos-'))
  const cleanups: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })]
  const output = new Map<string, string>()
  try {
    log(`seed ${seed}; starting PostgreSQL, a 3-node NATS cluster, fault proxies and 2 replicas of each service`)
    const postgres: PostgresServerHandle = await startPostgresServer({ dataDir: join(dir, 'postgres') })
    cleanups.push(() => postgres.stop())
    const pgProxy = await startFaultProxy({ port: postgres.port })
    cleanups.push(() => pgProxy.close())
    const natsProxies: FaultProxy[] = []
    let databaseUrl = ''
    const platform: ThrowawayPlatform = await startThrowawayPlatform({
      adminUrl: postgres.adminUrl,
      replicas: 2,
      natsCluster: 3,
      natsMonitor: true,
      // Purges come 5 s after a deprovision, so they too run under the faults.
      env: { LOG_LEVEL: 'warn', PURGE_GRACE_SECONDS: '5' },
      serviceOutput: (name, chunk) => { output.set(name, ((output.get(name) ?? '') + chunk.toString()).slice(-4000)) },
      via: {
        database: (url) => { databaseUrl = url; return pgProxy.rewrite(url) },
        nats: async (url) => {
          const out: string[] = []
          for (const u of url.split(',')) {
            const p = await startFaultProxy({ port: Number(new URL(u).port) })
            natsProxies.push(p)
            // Closed at the end even when the platform then fails to start (a CI run hung
            // for its whole timeout on these three listening proxies).
            cleanups.push(() => p.close())
            out.push(p.rewrite(u))
          }
          return out.join(',')
        }
      }
    })
    cleanups.push(() => platform.stop())
    const cluster = platform.nats as NatsClusterHandle
    const db = new pg.Pool({ connectionString: databaseUrl, max: 3 })
    db.on('error', () => {})
    cleanups.push(() => db.end())
    const sim = platform.sim!
    const heroku = createHerokuDriver({ sim, baseUrl: `${platform.gatewayUrl}/heroku/resources`, addonId: platform.manifest.id, password: platform.manifest.api.password, timeoutMs: 8000 })
    const drainCa = platform.drainCa

    // --- Bookkeeping ----------------------------------------------------------------
    const operations: Record<string, number> = { provision: 0, plan_change: 0, deprovision: 0, sso_login: 0, data_api: 0 }
    const retried: Record<string, number> = { provision: 0, plan_change: 0, deprovision: 0, sso_login: 0, data_api: 0 }
    const faults: Record<string, number> = {}
    const latencies = { quiet: [] as number[], faults: [] as number[] }
    let faultsBegan = false
    const record = (ms: number) => { (faultsBegan ? latencies.faults : latencies.quiet).push(ms) }
    const live = new Map<string, Addon>()
    const gone = new Map<string, { config: Record<string, string>, drainUrl?: string }>()
    const busy = new Set<string>()
    let running = true
    const deadline = Date.now() + o.seconds * 1000

    /** Heroku's side of a request: the same request again after an error, until an answer it accepts. */
    async function untilAnswered (kind: string, send: () => Promise<{ status: number, elapsedMs: number }>, ok: (status: number, attempt: number) => boolean, attempts = 40): Promise<{ status: number } | null> {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const r = await send().catch(() => ({ status: 0, elapsedMs: 0 }))
        if (ok(r.status, attempt)) { record(r.elapsedMs); operations[kind]!++; return r }
        retried[kind]!++
        await sleep(300 + Math.floor(random() * 300))
      }
      return null
    }

    async function provision (plan: string, drain = false): Promise<Addon | null> {
      const uuid = randomUUID()
      let first: { status: number, body: any, request: DriverRequest } | null = null
      const r = await untilAnswered('provision', async () => {
        const res = first ? { ...(await heroku.replay(first.request)), request: first.request } : await heroku.provision({ uuid, plan })
        if (!first) first = { status: 0, body: null, request: res.request }
        first.status = res.status
        first.body = res.body
        return res
      }, (s) => s === 200 || s === 202)
      if (!r || !first) return null
      const f = first as { status: number, body: any, request: DriverRequest }
      const addon: Addon = { uuid, plan, request: f.request, firstStatus: f.status, firstConfig: f.body?.config ?? null, drain }
      await heroku.waitForState(uuid, 'provisioned', 120_000)
      live.set(uuid, addon)
      return addon
    }

    // --- Set-up: two add-ons whose apps stream logs all along ------------------------
    const drainAddons = await Promise.all([provision('pro', true), provision('pro', true)])
    const senders: Array<{ uuid: string, sender: DrainSender, pushed: number }> = drainAddons.map((a) => {
      const s = sim.addons.get(a!.uuid)!
      const sender = createDrainSender({ drainUrl: s.logDrainUrl!, drainToken: s.logDrainToken, ...(drainCa ? { ca: drainCa } : {}), maxAttempts: 100, baseDelayMs: 200, concurrency: 4, maxLines: 50 })
      cleanups.push(() => sender.close())
      return { uuid: a!.uuid, sender, pushed: 0 }
    })

    // --- Availability probes -------------------------------------------------------
    const started = Date.now()
    const lastOk = new Map<string, number>(SERVICES.map((s) => [s, started]))
    const longest = new Map<string, number>(SERVICES.map((s) => [s, 0]))
    const urls = new Map(platform.urls.map((u) => [u.name, u.url]))
    const probes = SERVICES.map(async (svc) => {
      while (running) {
        const status = await get(`${urls.get(svc)}/healthz`, { timeoutMs: 1000, ...(svc === 'log-drain' && drainCa ? { ca: drainCa } : {}) })
        const now = Date.now()
        if (status === 200) { longest.set(svc, Math.max(longest.get(svc)!, now - lastOk.get(svc)!)); lastOk.set(svc, now) }
        await sleep(250)
      }
    })

    // --- Load ------------------------------------------------------------------------
    const takeLive = (filter: (a: Addon) => boolean): Addon | undefined => {
      const candidates = [...live.values()].filter((a) => !busy.has(a.uuid) && filter(a))
      if (candidates.length === 0) return undefined
      const a = pick(candidates)
      busy.add(a.uuid)
      return a
    }
    const loops: Array<Promise<unknown>> = [
      // Logplex: 20 lines per app every 50 ms.
      (async () => { let i = 0; while (running) { for (const s of senders) { s.sender.push(Array.from({ length: 20 }, (_v, k) => ({ message: `chaos ${s.uuid} ${i}-${k}` }))); s.pushed += 20 } i++; await sleep(50) } })(),
      // Provisions, two at a time.
      ...[0, 1].map(async () => { while (running) { await provision(pick(PLANS)); await sleep(300) } }),
      // Plan changes.
      (async () => {
        while (running) {
          await sleep(700)
          const a = takeLive((x) => !x.drain)
          if (!a) continue
          const plan = pick(PLANS.filter((p) => p !== a.plan))
          const r = await untilAnswered('plan_change', () => heroku.changePlan(a.uuid, plan), (s) => s === 200 || s === 202)
          if (r) a.plan = plan
          busy.delete(a.uuid)
        }
      })(),
      // Deprovisions.
      (async () => {
        while (running) {
          await sleep(1500)
          const a = takeLive((x) => !x.drain)
          if (!a) continue
          const s = sim.addons.get(a.uuid)!
          const config = { ...s.config }
          // A retry of a deprovision that succeeded but whose answer was lost finds it gone.
          const r = await untilAnswered('deprovision', () => heroku.deprovision(a.uuid), (st, attempt) => (st >= 200 && st < 300) || (attempt > 1 && (st === 404 || st === 410)))
          if (r) { live.delete(a.uuid); gone.set(a.uuid, { config, ...(s.logDrainUrl ? { drainUrl: s.logDrainUrl } : {}) }) }
          busy.delete(a.uuid)
        }
      })(),
      // SSO sign-ins: a person whose click failed clicks again, on a fresh SSO form.
      (async () => {
        while (running) {
          await sleep(400)
          const a = takeLive(() => true)
          if (!a) continue
          try {
            await untilAnswered('sso_login', async () => {
              const sso = await sim.ssoRequest(a.uuid)
              const t0 = performance.now()
              const res = await fetch(sso.action, { method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(8000), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(sso.params).toString() }).catch(() => null)
              await res?.arrayBuffer().catch(() => null)
              return { status: res?.status ?? 0, elapsedMs: performance.now() - t0 }
            }, (st) => st === 303, 20)
          } finally { busy.delete(a.uuid) }
        }
      })(),
      // The apps' own calls to the data API (a 429 is an answer: the plan's rate limit).
      (async () => {
        while (running) {
          await sleep(300)
          const candidates = [...live.values()]
          if (candidates.length === 0) continue
          const a = pick(candidates)
          const url = sim.addons.get(a.uuid)?.config.ADDONKIT_URL
          if (!url) continue
          await untilAnswered('data_api', async () => {
            const t0 = performance.now()
            const status = await get(`${url.replace(/\/$/, '')}/logs?limit=20`, { timeoutMs: 8000, ...(drainCa ? { ca: drainCa } : {}) })
            return { status, elapsedMs: performance.now() - t0 }
          }, (st) => st === 200 || st === 429, 20)
        }
      })()
    ]

    // --- Faults ----------------------------------------------------------------------
    const child = (key: string) => platform.children.get(key)
    const replicaOf = (svc: string) => pick([svc, `${svc}#2`])
    async function metaLeader (): Promise<number> {
      for (const node of cluster.nodes) {
        try {
          const res = await fetch(`${node.monitorUrl}/jsz`, { signal: AbortSignal.timeout(1000) })
          const leader = ((await res.json()) as { meta_cluster?: { leader?: string } }).meta_cluster?.leader
          if (leader) return Number(leader.replace(/^n/, '')) - 1
        } catch {}
      }
      return -1
    }
    const FAULTS: Record<FaultName, () => Promise<void>> = {
      sigkill_replica_of_each_service: async () => { for (const s of SERVICES) child(replicaOf(s))?.kill('SIGKILL') },
      sigstop_replica: async () => {
        const c = child(replicaOf(pick(SERVICES)))
        if (!c) return
        c.kill('SIGSTOP')
        await sleep(stopMs)
        c.kill('SIGCONT')
      },
      nats_node_killed_and_restarted: async () => {
        const node = pick(cluster.nodes)
        node.process.kill('SIGKILL')
        await sleep(2000)
        await node.restart()
      },
      jetstream_meta_leader_restarted: async () => {
        const i = await metaLeader()
        await cluster.nodes[i >= 0 ? i : 0]!.restart()
      },
      postgres_restarted: async () => {
        await postgres.stop()
        await sleep(1000)
        await postgres.start()
      },
      latency_200ms_nats_and_postgres: async () => {
        for (const p of [pgProxy, ...natsProxies]) p.latency(200)
        await sleep(8000)
        for (const p of [pgProxy, ...natsProxies]) p.latency(0)
      },
      connections_cut_nats_then_postgres: async () => {
        for (const p of natsProxies) p.cut()
        await sleep(1000)
        pgProxy.cut()
      },
      bytes_dropped_postgres: async () => { await pgProxy.blackhole(3000) },
      bytes_dropped_nats: async () => { await Promise.all(natsProxies.map((p) => p.blackhole(3000))) }
    }
    const chosen = FAULT_NAMES.filter((name) => !o.faults || o.faults.includes(name)).map((name) => [name, FAULTS[name]] as const)
    const quietMs = Math.max(5000, o.seconds * 100)
    const gapMs = o.seconds >= 120 ? 8000 : 3000
    await sleep(quietMs)
    let round = 0
    while (Date.now() + 20_000 < deadline) {
      const [name, fault] = chosen[round++ % chosen.length]!
      log(`fault: ${name}`)
      faultsBegan = true
      try { await fault() } catch (err) { log(`fault ${name} failed: ${(err as Error).message}`) }
      faults[name] = (faults[name] ?? 0) + 1
      await sleep(gapMs)
    }
    await sleep(Math.max(0, deadline - Date.now()))
    log('load stops; waiting for the platform to recover')
    running = false
    await Promise.allSettled([...loops, ...probes])

    // --- Recovery ----------------------------------------------------------------------
    for (const p of [pgProxy, ...natsProxies]) p.latency(0)
    for (const c of platform.children.values()) c.kill('SIGCONT')
    const waitUntil = async (what: string, fn: () => Promise<boolean>, ms: number, intervalMs = 500) => {
      const end = Date.now() + ms
      while (Date.now() < end) { if (await fn().catch(() => false)) return true; await sleep(intervalMs) }
      log(`not within ${ms / 1000} s: ${what}`)
      return false
    }
    await waitUntil('every service ready', async () => (await Promise.all(SERVICES.map((s) => get(`${urls.get(s)}/readyz`, { ...(s === 'log-drain' && drainCa ? { ca: drainCa } : {}) })))).every((st) => st === 200), 60_000)

    const invariants: ChaosReport['invariants'] = {}
    const check = (name: string, ok: boolean, detail: string) => { invariants[name] = { ok, detail } }

    // Drain lines: every acknowledged one stored, each once.
    let lost = 0
    let doubled = 0
    let givenUp = 0
    let acknowledged = 0
    for (const s of senders) {
      await s.sender.flush()
      const c = s.sender.counters
      acknowledged += c.acknowledgedLines
      givenUp += c.droppedLines
      // Counted as the app sees them: through the data API, every page.
      const addonUrl = sim.addons.get(s.uuid)!.config.ADDONKIT_URL!
      let stored = { total: 0, distinct: 0 }
      await waitUntil('every acknowledged line stored', async () => {
        stored = await countMessages(addonUrl, drainCa ? { ca: drainCa } : {})
        return stored.distinct >= c.acknowledgedLines
      }, 120_000, 5000) // a full read is one page per 1000 lines: every 5 s stays well under pro's rate limit
      lost += Math.max(0, c.acknowledgedLines - stored.distinct)
      doubled += stored.total - stored.distinct
    }
    check('drain_lines_stored_exactly_once', lost === 0 && doubled === 0, `${acknowledged} lines acknowledged, ${lost} lost, ${doubled} doubled, ${givenUp} given up by Logplex`)

    // Provisions: provisioned, one resource each, the same answer on replay, the last plan.
    const problems: string[] = []
    for (const a of live.values()) {
      const short = a.uuid.slice(0, 8)
      const s = await heroku.waitForState(a.uuid, 'provisioned', 60_000).catch(() => null)
      if (!s) { problems.push(`${short}: not provisioned`); continue }
      // Its resource answers the config's credentials (one resource per instance is a unique key of the log store).
      const url = sim.addons.get(a.uuid)?.config.ADDONKIT_URL
      const opened = url ? await get(`${url.replace(/\/$/, '')}/logs?limit=1`, { ...(drainCa ? { ca: drainCa } : {}) }) : 0
      if (opened !== 200 && opened !== 429) problems.push(`${short}: its resource answered ${opened} to the config's credentials`)
      const again = await heroku.replay(a.request)
      const expected = a.firstConfig ?? null
      // The answer is decided once (200 if ready within the budget, else 202) and replayed.
      if (again.status !== a.firstStatus) problems.push(`${short}: replay answered ${again.status}, first ${a.firstStatus}`)
      else if (expected && JSON.stringify(again.body?.config) !== JSON.stringify(expected)) problems.push(`${short}: replay answered another config`)
      const plan = (await db.query<{ plan: string }>('SELECT plan FROM instances WHERE uuid = $1', [a.uuid])).rows[0]?.plan
      if (plan !== a.plan) problems.push(`${short}: plan ${plan}, last acknowledged ${a.plan}`)
    }
    check('provisions_one_resource_same_answer', problems.length === 0, problems.length ? problems.slice(0, 10).join('; ') : `${live.size} add-ons checked`)

    const states = (await db.query<{ state: string, n: string }>('SELECT state, count(*) AS n FROM instances GROUP BY state')).rows
    const unfinishedInstances = states.filter((r) => r.state === 'provisioning' || r.state === 'deprovisioning').reduce((n, r) => n + Number(r.n), 0)
    let unfinished: Array<{ kind: string, status: string, attempts: number, last_error: string | null }> = []
    await waitUntil('every operation finished', async () => {
      unfinished = (await db.query("SELECT kind, status, attempts, last_error FROM operations WHERE status IN ('pending', 'running') ORDER BY created_at")).rows
      return unfinished.length === 0
    }, 60_000)
    const opStates = (await db.query<{ kind: string, status: string, n: string }>('SELECT kind, status, count(*) AS n FROM operations GROUP BY kind, status ORDER BY kind, status')).rows
    check('nothing_left_unfinished', unfinishedInstances === 0 && unfinished.length === 0,
      `instances by state: ${states.map((r) => `${r.state} ${r.n}`).join(', ')}; operations: ${opStates.map((r) => `${r.kind} ${r.status} ${r.n}`).join(', ')}` +
      (unfinished.length ? `; unfinished: ${unfinished.slice(0, 5).map((u) => `${u.kind} ${u.status} after ${u.attempts} attempts (${u.last_error ?? 'no error'})`).join('; ')}` : ''))
    // A fault is transient: an operation that gave up on one lost the customer's request.
    const failedOps = (await db.query<{ kind: string, attempts: number, last_error: string | null }>("SELECT kind, attempts, last_error FROM operations WHERE status = 'failed'")).rows
    check('no_operation_gave_up', failedOps.length === 0, failedOps.length ? failedOps.slice(0, 5).map((u) => `${u.kind} failed after ${u.attempts} attempts (${u.last_error ?? 'no error'})`).join('; ') : 'no operation failed')

    // Deprovisioned: the app's credentials and its drain are refused.
    const accepted: string[] = []
    for (const [uuid, g] of gone) {
      const url = g.config.ADDONKIT_URL
      if (url) {
        const st = await get(`${url.replace(/\/$/, '')}/logs?limit=1`, { ...(drainCa ? { ca: drainCa } : {}) })
        if (st !== 401) accepted.push(`${uuid.slice(0, 8)}: data API ${st}`)
      }
      if (g.drainUrl) {
        const st = await postDrain(g.drainUrl, drainCa)
        if (st >= 200 && st < 300) accepted.push(`${uuid.slice(0, 8)}: drain ${st}`)
      }
    }
    check('deprovisioned_credentials_refused', accepted.length === 0, accepted.length ? accepted.slice(0, 10).join('; ') : `${gone.size} deprovisioned add-ons refused`)

    operations.drain_posts = senders.reduce((n, s) => n + s.sender.counters.acknowledged, 0)
    operations.total = Object.values(operations).reduce((a, b) => a + b, 0)
    return {
      seconds: o.seconds,
      seed,
      lost,
      doubled,
      given_up: givenUp,
      operations,
      retried,
      faults,
      invariants_ok: Object.values(invariants).every((i) => i.ok),
      invariants,
      longest_unavailable_ms: Object.fromEntries(longest),
      latency_ms: { quiet: summary(latencies.quiet), faults: summary(latencies.faults) }
    }
  } catch (err) {
    for (const [name, text] of output) log(`--- ${name} (last output)\n${text}`)
    throw err
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => {})
  }
}

/** POSTs one log line to a drain URL (its credentials in the URL); resolves the status. */
async function postDrain (drainUrl: string, ca?: string): Promise<number> {
  const line = `<190>1 ${new Date().toISOString()} host app web.1 - after deprovision`
  const body = `${Buffer.byteLength(line)} ${line}`
  const headers = { 'content-type': 'application/logplex-1', 'logplex-msg-count': '1', 'logplex-frame-id': randomUUID(), 'content-length': Buffer.byteLength(body) }
  return (await request(drainUrl, { method: 'POST', headers, body, timeoutMs: 5000, ...(ca ? { ca } : {}) })).status
}
