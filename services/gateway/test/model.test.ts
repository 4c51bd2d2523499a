// Model-based tests (fast-check) of the provisioning state machine, against the real stack:
// the gateway, the allocator as a child process (so a crash is a real SIGKILL), the Heroku
// simulator, a real database and a private nats-server, all started once for the file.
//
// 1. Commands (provision, refused provision, replay, conflicting replay, plan change,
//    deprovision, allocator crash) run against the stack and a small model that predicts
//    each answer from the spec (§4.4, §4.5, §7.1, §8) and the gateway's documented choices
//    (409 for a replay on another plan, 410 for a deprovisioned or unknown uuid on DELETE,
//    404 for a plan change of an unknown uuid). After each run, once the outbox has settled,
//    the database and the simulator must agree with the model.
// 2. Concurrent requests for one uuid, released in an order fast-check's scheduler picks
//    (some only after another's answer): the final state must be one the model allows.
//
// Reproduce a failure with FC_ONLY=commands|interleavings FC_SEED=<seed> FC_PATH=<path>, and
// for commands FC_REPLAY_PATH=<replayPath> (all printed by fast-check); FC_RUNS overrides the
// number of runs.
import t from 'tap'
import fc from 'fast-check'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { ChildProcess } from 'node:child_process'
import type { DriverRequest, DriverResult } from '@addonkit/heroku-sim'
import { decode, encode, PlanCheckReply, PlanCheckRequest, subjects } from '@addonkit/contracts'
import { sha256Hex } from '@addonkit/secrets'
import { findTenant } from '@addonkit/log-store'
import { startStack, type Stack } from './helper.js'

const PLANS = ['hobby', 'standard', 'pro'] as const
const REGIONS = { us: 'amazon-web-services::us-east-1', eu: 'amazon-web-services::eu-west-1' } as const
const UNSUPPORTED_REGION = 'amazon-web-services::ap-northeast-1'
/** At most this many allocator crashes in one run of the command property (each costs a process start). */
const MAX_CRASHES_PER_RUN = 1

const only = process.env.FC_ONLY
/** fast-check parameters of a property: its default number of runs, or the replay of a failure. */
function params (name: 'commands' | 'interleavings', defaultRuns: number, timeLimitMs: number): fc.Parameters<any> {
  const base = { interruptAfterTimeLimit: timeLimitMs, markInterruptAsFailure: true }
  const runs = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : defaultRuns
  if (only !== name || !process.env.FC_SEED) return { ...base, numRuns: runs }
  const path = process.env.FC_PATH
  // A path starts with the index of the failing run: the replay needs at least that many.
  return { ...base, seed: Number(process.env.FC_SEED), ...(path ? { path, numRuns: Math.max(runs, Number(path.split(':')[0]) + 1) } : { numRuns: runs }) }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const show = (r: DriverResult) => `${r.status} ${JSON.stringify(r.body)}${r.error ? ` (${r.error})` : ''}`

// ---------------------------------------------------------------------------------------
// The allocator, as a process that can be SIGKILLed and started again on the same
// database and nats-server.

class AllocatorProcess {
  child: ChildProcess | undefined
  starts = 0
  constructor (private readonly s: Stack) {}

  async start (): Promise<void> {
    const child = await this.s.spawnAllocator()
    this.child = child
    this.starts++
    // Ready when it answers a plan check: its NATS subscriptions (and the outbox runner,
    // started before the server listens) are up.
    const deadline = Date.now() + 60_000
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the allocator exited during start-up (${child.exitCode ?? child.signalCode}):\n${this.s.logs.lines.slice(-20).join('\n')}`)
      try {
        const msg = await this.s.gateway.nats.request(subjects.planCheck, encode(PlanCheckRequest, { instanceUuid: randomUUID(), plan: 'hobby' }), { timeout: 1000 })
        decode(PlanCheckReply, msg.data)
        return
      } catch {
        if (Date.now() > deadline) throw new Error('the allocator did not answer plan checks within 60 s')
        await sleep(100)
      }
    }
  }

  /** SIGKILL: no shutdown hook runs; leases of running operations stay until they expire. */
  async crash (): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error('the allocator is not running')
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
  }

  alive (): boolean {
    const c = this.child
    return Boolean(c && c.exitCode === null && c.signalCode === null)
  }

  assertAlive (): void {
    const c = this.child
    assert.ok(c && c.exitCode === null && c.signalCode === null, `the allocator died on its own (${c?.exitCode ?? c?.signalCode})`)
  }
}

// ---------------------------------------------------------------------------------------
// The model.

type EntryState = 'live' | 'deprovisioned' | 'refused'

interface Entry {
  uuid: string
  /** live: provisioned (200, or 202 and completing); refused: answered 422, nothing stored. */
  state: EntryState
  /** The plan of the first provision request: a replay on another plan conflicts with it. */
  originalPlan: string
  /** The plan the model expects the instance to be on. */
  plan: string
  region: string
  request: DriverRequest
  /** The first answer, which every identical replay must repeat (§4.4). */
  answer: { status: number, body: any }
}

interface Model {
  entries: Entry[]
  crashes: number
  /** false after AllocatorCrash(stay down) until AllocatorStart (or the end of the run). */
  allocatorUp: boolean
}

interface Real {
  s: Stack
  alloc: AllocatorProcess
}

/** Commands executed, by name and outcome, for the report. */
const tally = new Map<string, number>()
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1)

function pick (m: Readonly<Model>, i: number, states: EntryState[]): Entry | undefined {
  const candidates = m.entries.filter((e) => states.includes(e.state))
  return candidates.length ? candidates[i % candidates.length] : undefined
}

/** What any accepted provision answer must look like (§4.2, §4.3), as Heroku reads it. */
function checkProvisionAnswer (s: Stack, r: DriverResult, uuid: string, what: string): void {
  assert.ok(r.status === 200 || r.status === 202, `${what}: expected 200 or 202, got ${show(r)}`)
  assert.equal(r.rejected, undefined, `${what}: Heroku would reject the answer: ${r.rejected}`)
  assert.equal(r.body?.id, uuid, `${what}: the id is the uuid`)
  assert.equal(typeof r.body?.message, 'string', `${what}: a message`)
  if (r.status === 200) {
    const keys = Object.keys(r.body.config ?? {})
    assert.ok(keys.length > 0, `${what}: a 200 carries config`)
    for (const k of keys) assert.ok(s.sim.manifest.api.config_vars.includes(k), `${what}: ${k} is in the manifest`)
    assert.match(String(r.body.log_drain_url), /^(https|syslog):\/\/\S+$/, `${what}: log_drain_url`)
  } else {
    assert.equal(r.body.config, undefined, `${what}: a 202 carries no config`)
  }
}

function checkRefusal (r: DriverResult, status: number, message: RegExp, what: string): void {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${show(r)}`)
  assert.match(String(r.body?.message ?? ''), message, `${what}: message`)
}

async function instanceRow (s: Stack, uuid: string) {
  return s.db.prisma.instance.findUnique({ where: { uuid } })
}

// ---------------------------------------------------------------------------------------
// Commands.

type Cmd = fc.AsyncCommand<Model, Real>

class ProvisionCmd implements Cmd {
  constructor (readonly plan: string, readonly region: keyof typeof REGIONS, readonly retention: number | undefined) {}
  check () { return true }
  async run (m: Model, r: Real) {
    const res = await r.s.heroku.provision({ plan: this.plan, region: REGIONS[this.region], options: this.retention === undefined ? {} : { retention_days: String(this.retention) } })
    checkProvisionAnswer(r.s, res, res.uuid, `${this} of ${res.uuid}`)
    // No allocator: nothing can be allocated within the sync budget, so the answer is async (§4.3).
    if (!m.allocatorUp) assert.equal(res.status, 202, `${this} of ${res.uuid} while the allocator is down: expected 202, got ${show(res)}`)
    m.entries.push({ uuid: res.uuid, state: 'live', originalPlan: this.plan, plan: this.plan, region: REGIONS[this.region], request: res.request, answer: { status: res.status, body: res.body } })
    count(`provision${m.allocatorUp ? '' : ' (allocator down)'} → ${res.status}`)
  }
  toString () { return `Provision(${this.plan}, ${this.region}${this.retention === undefined ? '' : `, retention_days=${this.retention}`})` }
}

/** §4.5: an unknown plan, an unsupported region or an invalid option → 422, nothing stored. */
class RefusedProvisionCmd implements Cmd {
  constructor (readonly why: 'unknown-plan' | 'bad-option' | 'bad-region') {}
  check () { return true }
  async run (m: Model, r: Real) {
    const opts = this.why === 'unknown-plan' ? { plan: 'platinum' } : this.why === 'bad-option' ? { options: { retention_days: '99' } } : { region: UNSUPPORTED_REGION }
    const res = await r.s.heroku.provision(opts)
    checkRefusal(res, 422, /\S{10,}/, `${this} of ${res.uuid}`)
    assert.equal(await instanceRow(r.s, res.uuid), null, `${this}: nothing stored for ${res.uuid}`)
    const body = res.request.body as Record<string, unknown>
    m.entries.push({ uuid: res.uuid, state: 'refused', originalPlan: String(body.plan), plan: String(body.plan), region: String(body.region), request: res.request, answer: { status: res.status, body: res.body } })
    count('refused provision → 422')
  }
  toString () { return `RefusedProvision(${this.why})` }
}

/** §4.4: the same request again → the same answer; after a DELETE → 410; a refused one is refused again. */
class ReplayCmd implements Cmd {
  constructor (readonly i: number, readonly extraField: boolean) {}
  check (m: Readonly<Model>) { return m.entries.length > 0 }
  async run (m: Model, r: Real) {
    const e = pick(m, this.i, ['live', 'deprovisioned', 'refused'])!
    // §3.5: an unknown field does not make a retry a different request.
    const request = this.extraField ? { ...e.request, body: { ...e.request.body, some_future_field: { x: 1 } } } : e.request
    const res = await r.s.heroku.replay(request)
    const what = `${this} of ${e.state} ${e.uuid}`
    if (e.state === 'deprovisioned') checkRefusal(res, 410, /deprovisioned/, what)
    else if (e.state === 'refused') {
      checkRefusal(res, 422, /\S{10,}/, what)
      assert.equal(await instanceRow(r.s, e.uuid), null, `${what}: still nothing stored`)
    } else {
      assert.equal(res.status, e.answer.status, `${what}: the first answer was ${e.answer.status}, the replay got ${show(res)}`)
      assert.deepEqual(res.body, e.answer.body, `${what}: the replay's body is the first answer's`)
      assert.equal(res.rejected, undefined, `${what}: Heroku would reject the answer: ${res.rejected}`)
    }
    count(`replay of ${e.state} → ${res.status}`)
  }
  toString () { return `Replay(#${this.i}${this.extraField ? ', with an unknown field' : ''})` }
}

type Conflict = 'other-plan' | 'unknown-plan' | 'bad-option' | 'other-region'

/**
 * The same uuid with a different body. Validation comes first (422 for an unknown plan or
 * a bad value of a declared option; an undeclared option is ignored); a deprovisioned uuid is gone (410); another plan than the first request's is a
 * conflict (409); other fields do not matter: the uuid is the idempotency key (§3.6, §4.4),
 * so the first answer is repeated and nothing changes. Sent without letting the simulator
 * read the answer: Heroku itself never sends such a request.
 */
class ConflictingReplayCmd implements Cmd {
  constructor (readonly i: number, readonly kind: Conflict, readonly planIndex: number) {}
  check (m: Readonly<Model>) { return m.entries.some((e) => e.state !== 'refused') }
  async run (m: Model, r: Real) {
    const e = pick(m, this.i, ['live', 'deprovisioned'])!
    const body = { ...e.request.body } as Record<string, unknown>
    const others = PLANS.filter((p) => p !== e.originalPlan)
    if (this.kind === 'other-plan') body.plan = others[this.planIndex % others.length]
    else if (this.kind === 'unknown-plan') body.plan = 'platinum'
    else if (this.kind === 'bad-option') body.options = { colour: 'blue', retention_days: '99' }
    else body.region = e.region === REGIONS.us ? REGIONS.eu : REGIONS.us
    const res = await r.s.heroku.send({ ...e.request, body })
    const what = `${this} (${JSON.stringify({ plan: body.plan, region: body.region, options: body.options })}) of ${e.state} ${e.uuid}`
    if (this.kind === 'unknown-plan') checkRefusal(res, 422, /Available plans/, what)
    else if (this.kind === 'bad-option') checkRefusal(res, 422, /Option "retention_days" must be at most/, what)
    else if (e.state === 'deprovisioned') checkRefusal(res, 410, /deprovisioned/, what)
    else if (this.kind === 'other-plan') checkRefusal(res, 409, new RegExp(`already provisioned on the ${e.originalPlan} plan`), what)
    else {
      assert.equal(res.status, e.answer.status, `${what}: the first answer was ${e.answer.status}, got ${show(res)}`)
      assert.deepEqual(res.body, e.answer.body, `${what}: the first answer's body`)
    }
    // Nothing changes.
    const row = await instanceRow(r.s, e.uuid)
    assert.ok(row, `${what}: the instance is still there`)
    assert.equal(row.plan, e.plan, `${what}: plan unchanged`)
    assert.equal(row.region, e.region, `${what}: region unchanged`)
    assert.equal(row.state === 'deprovisioned', e.state === 'deprovisioned', `${what}: state unchanged (${row.state})`)
    count(`conflicting replay (${this.kind}) of ${e.state} → ${res.status}`)
  }
  toString () { return `ConflictingReplay(#${this.i}, ${this.kind}${this.kind === 'other-plan' ? ` #${this.planIndex}` : ''})` }
}

/**
 * §8: a new plan → 200 (or 202 when slower than the sync budget) and the model's plan
 * changes; the current plan → 200 no-op; an unknown plan → 422. A uuid the gateway never
 * stored → 404; a deprovisioned one → 410.
 */
class PlanChangeCmd implements Cmd {
  constructor (readonly target: number | undefined, readonly plan: string) {}
  check (m: Readonly<Model>) { return this.target === undefined || m.entries.length > 0 }
  async run (m: Model, r: Real) {
    const e = this.target === undefined ? undefined : pick(m, this.target, ['live', 'deprovisioned', 'refused'])!
    const uuid = e?.uuid ?? randomUUID()
    const res = await r.s.heroku.changePlan(uuid, this.plan)
    const what = `${this} of ${e?.state ?? 'unknown'} ${uuid}`
    if (!e || e.state === 'refused') checkRefusal(res, 404, /No such add-on/, what)
    else if (e.state === 'deprovisioned') checkRefusal(res, 410, /deprovisioned/, what)
    else if (!(PLANS as readonly string[]).includes(this.plan)) checkRefusal(res, 422, /Available plans/, what)
    else if (this.plan === e.plan) {
      assert.equal(res.status, 200, `${what}: the current plan is a no-op 200, got ${show(res)}`)
      assert.match(String(res.body?.message), /Already on the/, what)
    } else if (!m.allocatorUp) {
      // The change cannot be checked: a transient 503, and nothing changes.
      checkRefusal(res, 503, /try again/, what)
    } else {
      assert.ok(res.status === 200 || res.status === 202, `${what}: expected 200 or 202, got ${show(res)}`)
      assert.match(String(res.body?.message), res.status === 200 ? /^Moved from/ : /^Moving from/, what)
      assert.equal(res.rejected, undefined, `${what}: Heroku would reject the answer: ${res.rejected}`)
      e.plan = this.plan
    }
    if (e && e.state !== 'refused') assert.equal((await instanceRow(r.s, uuid))?.plan, e.plan, `${what}: the instance is on the ${e.plan} plan`)
    count(`plan change of ${e?.state ?? 'unknown'}${m.allocatorUp ? '' : ' (allocator down)'} → ${res.status}`)
  }
  toString () { return `PlanChange(${this.target === undefined ? 'unknown uuid' : `#${this.target}`}, ${this.plan})` }
}

/** §7.1: a live add-on → 204; again, or a uuid never stored → 410 (the gateway's choice), never 5xx. */
class DeprovisionCmd implements Cmd {
  constructor (readonly target: number | undefined) {}
  check (m: Readonly<Model>) { return this.target === undefined || m.entries.length > 0 }
  async run (m: Model, r: Real) {
    const e = this.target === undefined ? undefined : pick(m, this.target, ['live', 'deprovisioned', 'refused'])!
    const uuid = e?.uuid ?? randomUUID()
    const before = e?.state ?? 'unknown'
    const res = await r.s.heroku.deprovision(uuid)
    const what = `${this} of ${before} ${uuid}`
    if (e?.state === 'live') {
      assert.equal(res.status, 204, `${what}: expected 204, got ${show(res)}`)
      e.state = 'deprovisioned'
    } else {
      checkRefusal(res, 410, e?.state === 'deprovisioned' ? /deprovisioned/ : /No such add-on/, what)
    }
    const row = await instanceRow(r.s, uuid)
    if (e && e.state !== 'refused') assert.equal(row?.state, 'deprovisioned', `${what}: the instance is deprovisioned`)
    else assert.equal(row, null, `${what}: nothing stored`)
    count(`deprovision of ${before}${m.allocatorUp ? '' : ' (allocator down)'} → ${res.status}`)
  }
  toString () { return `Deprovision(${this.target === undefined ? 'unknown uuid' : `#${this.target}`})` }
}

/**
 * SIGKILLs the allocator and starts a new one on the same database and nats-server: while
 * idle (operations of earlier commands may still be finishing), or `delayMs` into a new
 * provision; afterwards every invariant holds once the outbox has settled. Or it stays down
 * until AllocatorStart (or the end of the run): the commands in between meet no allocator.
 */
class AllocatorCrashCmd implements Cmd {
  constructor (readonly mode: 'idle' | 'mid-provision' | 'stay-down', readonly delayMs: number, readonly plan: string) {}
  check (m: Readonly<Model>) { return m.allocatorUp && m.crashes < MAX_CRASHES_PER_RUN }
  async run (m: Model, r: Real) {
    m.crashes++
    if (this.mode === 'stay-down') {
      await r.alloc.crash()
      m.allocatorUp = false
      count('allocator crash (stay-down)')
      return
    }
    if (this.mode === 'idle') {
      await r.alloc.crash()
      await r.alloc.start()
    } else {
      const pending = r.s.heroku.provision({ plan: this.plan })
      await sleep(this.delayMs)
      await r.alloc.crash()
      const restarted = r.alloc.start()
      const res = await pending
      await restarted
      checkProvisionAnswer(r.s, res, res.uuid, `${this} of ${res.uuid}`)
      if (res.status === 202 && await grantLost(r.s, res.uuid)) {
        // Killed between the grant exchange and storing its tokens: the code is spent (it
        // works once) and an asynchronous provision cannot push its config without a token,
        // so it fails, saying why (grant-lost.test.ts). An outcome of the protocol, not a
        // state the model predicts: the add-on leaves the model.
        await settle(r.s)
        const op = await r.s.db.prisma.operation.findFirstOrThrow({ where: { instanceUuid: res.uuid, kind: 'provision' } })
        assert.equal(op.status, 'failed', `${this}: a provision whose grant was lost fails`)
        assert.match(op.lastError ?? '', /no Platform API token/, `${this}: saying why`)
        lostGrants.add(res.uuid)
        count('provision with an allocator crash → grant lost')
        return
      }
      m.entries.push({ uuid: res.uuid, state: 'live', originalPlan: this.plan, plan: this.plan, region: REGIONS.us, request: res.request, answer: { status: res.status, body: res.body } })
      count(`provision with an allocator crash → ${res.status}`)
    }
    count(`allocator crash (${this.mode})`)
    await checkInvariants(m, r, `after ${this}`)
  }
  toString () { return this.mode === 'mid-provision' ? `AllocatorCrash(${this.delayMs} ms into Provision(${this.plan}))` : `AllocatorCrash(${this.mode})` }
}

/** Starts the allocator again after AllocatorCrash(stay-down): the outbox resumes and every invariant holds. */
class AllocatorStartCmd implements Cmd {
  check (m: Readonly<Model>) { return !m.allocatorUp }
  async run (m: Model, r: Real) {
    await r.alloc.start()
    m.allocatorUp = true
    count('allocator start')
    await checkInvariants(m, r, `after ${this}`)
  }
  toString () { return 'AllocatorStart' }
}

// ---------------------------------------------------------------------------------------
// Invariants against the database and the simulator, once the outbox has settled.

/** Waits until no operation is pending or running (purges are due at once: PURGE_GRACE_SECONDS=0). */
async function settle (s: Stack, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const open = await s.db.prisma.operation.findMany({ where: { status: { in: ['pending', 'running'] } }, select: { instanceUuid: true, kind: true, status: true, attempts: true, lastError: true, step: true } })
    if (open.length === 0) return
    if (Date.now() > deadline) throw new Error(`operations not settled after ${timeoutMs} ms: ${JSON.stringify(open)}`)
    await sleep(50)
  }
}

/** Add-ons whose grant an allocator crash spent (see AllocatorCrash): out of the model. */
const lostGrants = new Set<string>()

/** Whether the allocator recorded the add-on's grant as lost (an attempt that used it died). */
async function grantLost (s: Stack, uuid: string): Promise<boolean> {
  const started = Date.now()
  // The failing attempt records it before it goes on; give the outbox time to get there.
  for (;;) {
    const n = await s.db.prisma.auditEvent.count({ where: { instanceUuid: uuid, event: 'grant_exchanged', outcome: 'failed' } })
    if (n > 0) return true
    const op = await s.db.prisma.operation.findFirst({ where: { instanceUuid: uuid, kind: 'provision' } })
    if (op?.status === 'succeeded' || op?.status === 'failed' || Date.now() - started > 30_000) return false
    await sleep(100)
  }
}

/** The instance's resources (log tenants): none or one (a unique key of the log store). */
async function tenantsOf (s: Stack, uuid: string) {
  const tenant = await findTenant(s.db.pool, 'instanceUuid', uuid)
  return tenant ? [tenant] : []
}

function credentialsOf (url: string) {
  const u = new URL(url)
  return { user: decodeURIComponent(u.username), secret: decodeURIComponent(u.password) }
}

async function checkInvariants (m: Readonly<Model>, r: Real, when: string): Promise<void> {
  const { s } = r
  await settle(s)
  r.alloc.assertAlive()
  const failed = (await s.db.prisma.operation.findMany({ where: { status: 'failed' }, select: { instanceUuid: true, kind: true, lastError: true } })).filter((o) => !lostGrants.has(o.instanceUuid))
  assert.deepEqual(failed, [], `${when}: no operation failed`)
  for (const e of m.entries) {
    const what = `${when}: ${e.state} ${e.uuid}`
    const instances = await s.db.prisma.instance.findMany({ where: { uuid: e.uuid } })
    const ops = await s.db.prisma.operation.findMany({ where: { instanceUuid: e.uuid }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
    const tenants = await tenantsOf(s, e.uuid)
    const addon = s.sim.addons.get(e.uuid)
    if (e.state === 'refused') {
      assert.equal(instances.length + ops.length + tenants.length, 0, `${what}: nothing stored`)
      continue
    }
    assert.equal(instances.length, 1, `${what}: exactly one instance row`)
    const inst = instances[0]!
    const opSummary = ops.map((o) => `${o.kind}:${o.status}`).join(', ')
    assert.ok(ops.every((o) => o.status === 'succeeded'), `${what}: every operation succeeded (${opSummary})`)
    assert.equal(ops.filter((o) => o.kind === 'provision').length, 1, `${what}: one provision operation (${opSummary})`)
    assert.equal(inst.plan, e.plan, `${what}: plan`)
    assert.equal(inst.region, e.region, `${what}: region`)
    assert.equal(inst.responseStatus, e.answer.status, `${what}: the stored decision is the answer Heroku got`)
    assert.ok(addon, `${what}: Heroku knows the add-on`)
    if (e.state === 'live') {
      assert.equal(inst.state, 'provisioned', `${what}: instance state`)
      assert.equal(tenants.length, 1, `${what}: exactly one resource (log tenant)`)
      const tenant = tenants[0]!
      assert.equal(tenant.revoked, false, `${what}: the resource is not revoked`)
      assert.equal(tenant.plan, e.plan, `${what}: the resource's plan`)
      assert.equal(tenant.drainToken, (e.request.body as Record<string, unknown>).log_drain_token, `${what}: the resource has the add-on's drain token`)
      assert.ok(!ops.some((o) => o.kind === 'deprovision' || o.kind === 'purge'), `${what}: nothing deprovisioned (${opSummary})`)
      // Heroku's view: provisioned (sync answer, or actions/provision after a 202), with
      // config that authenticates against the one resource.
      assert.equal(addon.state, 'provisioned', `${what}: Heroku's add-on state`)
      const url = addon.config.ADDONKIT_URL
      assert.ok(url, `${what}: Heroku has ADDONKIT_URL`)
      if (e.answer.status === 200) assert.equal(url, e.answer.body.config.ADDONKIT_URL, `${what}: Heroku's config is the answer's`)
      const c = credentialsOf(url)
      assert.equal(c.user, tenant.apiUser, `${what}: the config var's user is the resource's`)
      assert.equal(sha256Hex(c.secret), tenant.apiSecretHash, `${what}: the config var's secret is the resource's`)
    } else {
      assert.equal(inst.state, 'deprovisioned', `${what}: instance state`)
      assert.ok(tenants.length <= 1, `${what}: at most one resource`)
      assert.ok(tenants.every((x) => x.revoked), `${what}: the resource is revoked`)
      assert.equal(ops.filter((o) => o.kind === 'deprovision').length, 1, `${what}: one deprovision operation (${opSummary})`)
      assert.equal(ops.filter((o) => o.kind === 'purge').length, 1, `${what}: one purge operation (${opSummary})`)
      assert.ok(inst.purgedAt, `${what}: purged`)
      assert.equal(addon.state, 'deprovisioned', `${what}: Heroku's add-on state`)
    }
  }
}

// ---------------------------------------------------------------------------------------

t.test('the provisioning state machine against a model', async (t) => {
  const s = await startStack(t, { allocator: 'none', env: { DRAIN_PUBLIC_URL: 'https://drain.example.com', PURGE_GRACE_SECONDS: '0', LOG_LEVEL: 'warn' } })
  const alloc = new AllocatorProcess(s)
  await alloc.start()

  t.test('commands: provision, replay, conflicting replay, plan change, deprovision, allocator crash', { skip: only !== undefined && only !== 'commands' ? `FC_ONLY=${only}: replaying the other property only` : false }, async (t) => {
    const started = Date.now()
    const plan = fc.constantFrom(...PLANS)
    const index = fc.nat({ max: 63 })
    const target = fc.option(index, { nil: undefined, freq: 5 })
    const provision = fc.record({ plan, region: fc.constantFrom('us' as const, 'eu' as const), retention: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }) })
      .map((x) => new ProvisionCmd(x.plan, x.region, x.retention))
    const planChange = fc.record({ target, plan: fc.constantFrom(...PLANS, 'platinum') }).map((x) => new PlanChangeCmd(x.target, x.plan))
    const commands = [
      provision,
      provision,
      fc.constantFrom('unknown-plan' as const, 'bad-option' as const, 'bad-region' as const).map((w) => new RefusedProvisionCmd(w)),
      fc.record({ i: index, extra: fc.boolean() }).map((x) => new ReplayCmd(x.i, x.extra)),
      fc.record({ i: index, kind: fc.constantFrom<Conflict>('other-plan', 'unknown-plan', 'bad-option', 'other-region'), p: fc.nat({ max: 1 }) }).map((x) => new ConflictingReplayCmd(x.i, x.kind, x.p)),
      planChange,
      planChange,
      fc.record({ target }).map((x) => new DeprovisionCmd(x.target)),
      fc.record({ mode: fc.constantFrom('idle' as const, 'mid-provision' as const, 'stay-down' as const), delayMs: fc.integer({ min: 0, max: 150 }), plan }).map((x) => new AllocatorCrashCmd(x.mode, x.delayMs, x.plan)),
      fc.constant(new AllocatorStartCmd())
    ]
    let runs = 0
    let executed = 0
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: 8, size: 'max', ...(only === 'commands' && process.env.FC_REPLAY_PATH ? { replayPath: process.env.FC_REPLAY_PATH } : {}) }), async (cmds) => {
      runs++
      executed += [...cmds].length
      const model: Model = { entries: [], crashes: 0, allocatorUp: true }
      const real: Real = { s, alloc }
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds)
      } finally {
        // The next run (or the shrinker) needs an allocator, whatever happened in this one.
        if (!alloc.alive()) await alloc.start()
      }
      model.allocatorUp = true
      await checkInvariants(model, real, `after ${[...cmds].join(', ')}`)
    }), params('commands', 30, 240_000))
    t.pass(`${runs} runs, ${executed} commands, ${alloc.starts - 1} allocator restarts, ${((Date.now() - started) / 1000).toFixed(1)} s`)
  })

  t.test('concurrent requests for one uuid, in orders the scheduler picks', { skip: only !== undefined && only !== 'interleavings' ? `FC_ONLY=${only}: replaying the other property only` : false }, async (t) => {
    const started = Date.now()
    let runs = 0
    const scenario = fc.record({
      plan: fc.constantFrom(...PLANS),
      replays: fc.integer({ min: 0, max: 3 }),
      conflicting: fc.boolean(),
      otherPlan: fc.nat({ max: 1 }),
      planChange: fc.option(fc.constantFrom(...PLANS), { nil: undefined, freq: 3 }),
      deprovision: fc.boolean(),
      // Call i may wait for the answer to call (after % i) before it is sent.
      after: fc.array(fc.option(fc.nat(), { nil: undefined, freq: 2 }), { minLength: 8, maxLength: 8 })
    })
    await fc.assert(fc.asyncProperty(fc.scheduler(), scenario, async (sch, sc) => {
      runs++
      const uuid = randomUUID()
      const region = REGIONS.us
      const addon = s.sim.registerAddon(uuid, { plan: sc.plan, region })
      const body = {
        uuid, name: addon.name, plan: sc.plan, region, callback_url: `${s.sim.apiUrl}/addons/${uuid}`,
        oauth_grant: s.sim.issueGrant(uuid), options: {}, log_input_url: s.sim.logInputUrl(uuid), log_drain_token: addon.logDrainToken
      }
      const others = PLANS.filter((p) => p !== sc.plan)
      const otherPlan = others[sc.otherPlan % others.length]!
      type Call = { label: string, kind: 'post' | 'put' | 'delete', plan?: string, request: DriverRequest }
      const calls: Call[] = [{ label: 'provision', kind: 'post', plan: sc.plan, request: s.heroku.request('POST', undefined, body) }]
      for (let i = 0; i < sc.replays; i++) calls.push({ label: `replay ${i + 1}`, kind: 'post', plan: sc.plan, request: s.heroku.request('POST', undefined, body) })
      if (sc.conflicting) calls.push({ label: `replay on ${otherPlan}`, kind: 'post', plan: otherPlan, request: s.heroku.request('POST', undefined, { ...body, plan: otherPlan }) })
      if (sc.planChange) calls.push({ label: `plan change to ${sc.planChange}`, kind: 'put', plan: sc.planChange, request: s.heroku.request('PUT', uuid, { plan: sc.planChange }) })
      if (sc.deprovision) calls.push({ label: 'deprovision', kind: 'delete', request: s.heroku.request('DELETE', uuid) })

      // Each call is sent when the scheduler releases it (after the answer to the call it
      // waits for, if any); its answer is delivered when the scheduler releases that too.
      const results: Promise<DriverResult>[] = []
      calls.forEach((c, i) => {
        const dep = i > 0 && sc.after[i] !== undefined ? sc.after[i]! % i : undefined
        results.push((async () => {
          if (dep !== undefined) await results[dep]
          await sch.schedule(Promise.resolve(), `send ${c.label}${dep !== undefined ? ` (after the answer to ${calls[dep]!.label})` : ''}`)
          const res = await s.heroku.send(c.request)
          await sch.schedule(Promise.resolve(res.status), `answer to ${c.label}`)
          return res
        })())
      })
      const answers = await sch.waitFor(Promise.all(results))
      const story = calls.map((c, i) => `${c.label} → ${show(answers[i]!)}`).join('; ')
      const what = `${uuid} (${story})`

      await settle(s)
      alloc.assertAlive()
      const inst = await instanceRow(s, uuid)
      assert.ok(inst, `${what}: one instance row`)
      const ops = await s.db.prisma.operation.findMany({ where: { instanceUuid: uuid } })
      const opSummary = ops.map((o) => `${o.kind}:${o.status}`).join(', ')
      const firstProvision = ops.filter((o) => o.kind === 'provision')
      assert.equal(firstProvision.length, 1, `${what}: one provision operation (${opSummary})`)
      // The plan of the request that created the instance: every other plan conflicts.
      const winner = String((firstProvision[0]!.params as { plan?: string }).plan)
      const del = calls.findIndex((c) => c.kind === 'delete')
      const deprovisioned = del >= 0 && answers[del]!.status === 204
      if (del >= 0) assert.ok([204, 410].includes(answers[del]!.status), `${what}: DELETE → 204 or 410`)

      const posts = calls.map((c, i) => ({ c, a: answers[i]! })).filter((x) => x.c.kind === 'post')
      const accepted = posts.filter((x) => x.a.status === 200 || x.a.status === 202)
      assert.ok(accepted.length >= 1, `${what}: the request that created the instance was accepted`)
      for (const x of accepted) {
        assert.equal(x.c.plan, winner, `${what}: only requests on the ${winner} plan are accepted`)
        assert.equal(x.a.status, accepted[0]!.a.status, `${what}: one status for every accepted provision`)
        assert.deepEqual(x.a.body, accepted[0]!.a.body, `${what}: one body for every accepted provision`)
        assert.equal(x.a.body?.id, uuid, `${what}: id`)
      }
      assert.equal(inst.responseStatus, accepted[0]!.a.status, `${what}: the stored decision is the answer`)
      for (const x of posts) {
        if (x.a.status === 200 || x.a.status === 202) continue
        if (x.a.status === 410) assert.ok(deprovisioned, `${what}: ${x.c.label} → 410 only after the DELETE`)
        else if (x.a.status === 409) {
          assert.notEqual(x.c.plan, winner, `${what}: ${x.c.label} → 409 only on another plan than ${winner}`)
          assert.match(String(x.a.body?.message), new RegExp(`already provisioned on the ${winner} plan`), what)
        } else assert.fail(`${what}: ${x.c.label} answered ${x.a.status}`)
      }

      let finalPlan = winner
      const put = calls.findIndex((c) => c.kind === 'put')
      if (put >= 0) {
        const a = answers[put]!
        const msg = String(a.body?.message ?? '')
        // 404: it arrived before any provision request was stored.
        if (a.status === 404) finalPlan = winner
        else if (a.status === 410 || a.status === 409) assert.ok(deprovisioned, `${what}: plan change → ${a.status} only when the DELETE won`)
        else if (a.status === 200 && /^Already on/.test(msg)) assert.equal(calls[put]!.plan, winner, `${what}: "already on" only for the current plan`)
        else if ((a.status === 200 && /^Moved from/.test(msg)) || (a.status === 202 && /^Moving from/.test(msg))) {
          assert.notEqual(calls[put]!.plan, winner, `${what}: a move only to another plan`)
          finalPlan = calls[put]!.plan!
        } else assert.fail(`${what}: unexpected plan change answer ${show(a)}`)
      }
      assert.ok(ops.every((o) => o.status === 'succeeded'), `${what}: every operation succeeded (${opSummary})`)
      assert.equal(ops.filter((o) => o.kind === 'change_plan').length, finalPlan === winner ? 0 : 1, `${what}: number of change_plan operations, of ${opSummary}`)
      assert.equal(inst.plan, finalPlan, `${what}: the instance's plan`)
      const tenants = await tenantsOf(s, uuid)
      if (deprovisioned) {
        assert.equal(inst.state, 'deprovisioned', `${what}: instance state`)
        assert.ok(tenants.length <= 1, `${what}: at most one resource`)
        assert.ok(tenants.every((x) => x.revoked), `${what}: the resource is revoked`)
        assert.equal(ops.filter((o) => o.kind === 'deprovision').length, 1, `${what}: one deprovision operation (${opSummary})`)
      } else {
        assert.equal(inst.state, 'provisioned', `${what}: instance state`)
        assert.equal(tenants.length, 1, `${what}: exactly one resource`)
        assert.equal(tenants[0]!.revoked, false, `${what}: the resource is live`)
        assert.equal(tenants[0]!.plan, finalPlan, `${what}: the resource's plan`)
        assert.ok(!ops.some((o) => o.kind === 'deprovision'), `${what}: no deprovision operation (${opSummary})`)
        if (accepted[0]!.a.status === 200) {
          const c = credentialsOf(accepted[0]!.a.body.config.ADDONKIT_URL)
          assert.equal(sha256Hex(c.secret), tenants[0]!.apiSecretHash, `${what}: the answered credentials are the resource's`)
        }
      }
      const statuses = (kind: Call['kind']) => calls.flatMap((c, i) => c.kind === kind ? [answers[i]!.status] : []).sort().join(',')
      count(`interleaving → POST ${statuses('post')}${put >= 0 ? ` | PUT ${statuses('put')}` : ''}${del >= 0 ? ` | DELETE ${statuses('delete')}` : ''}`)
    }), params('interleavings', 30, 180_000))
    t.pass(`${runs} runs, ${((Date.now() - started) / 1000).toFixed(1)} s`)
  })

  t.test('what ran', async (t) => {
    t.comment([...tally].sort().map(([k, n]) => `${String(n).padStart(4)} × ${k}`).join('\n'))
    t.pass(`${[...tally.values()].reduce((a, b) => a + b, 0)} commands and interleavings`)
  })
})
