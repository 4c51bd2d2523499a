// The autoscaler's runner: every AUTOSCALE_TICK_MS it goes over the provisioned add-ons
// that have a policy (and at once for an app whose router windows the log-drain just
// announced), and for each process type decides (packages/autoscale decide.ts) from the
// stored windows and the formation. A change is read fresh first, then applied as a
// `scale` operation of the outbox: one in flight per add-on, resumable after a crash,
// never doubled (the operation reads the formation again before it PATCHes). Decisions are
// kept with their reasons; an unchanged evaluation only updates "the last decision".
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import type { FastifyBaseLogger } from 'fastify'
import { withClient, type Db } from '@addonkit/db'
import { instanceOfTenant, metricsSince, recentWindows } from '@addonkit/log-store'
import { WINDOW_MS, decide, type Decision } from '@addonkit/autoscale'
import { decode, RouterWindowsMessage, queueGroups, subjects } from '@addonkit/contracts'
import {
  decisionState, enqueueOperation, instancesWithPolicies, loadApp, loadPolicies, loadStates, noteChange, noteFormation, noteLastDecision,
  recordDecision, setOperationParams, type DecisionOutcome, type DecisionRecord, type ProcessTypeState
} from '@addonkit/lifecycle'
import { AppAccessBlocked, type AppAccess } from './app-access.js'

export interface AutoscalerOptions {
  db: Db
  nc: NatsConnection
  log: FastifyBaseLogger
  access: AppAccess
  tickMs: number
  /** Decide for an app as soon as its windows are announced (else on the tick only). Default true. */
  wakeOnWindows?: boolean
  /** Runs an enqueued operation now (the operation runner's kick). */
  kick: (operationId: string) => void
  now?: () => number
  /** Told each evaluation's decision (metrics). */
  observe?: (decision: AutoscaleDecisionKind) => void
}

/** What one evaluation decided, as metrics count it: blocked is a decision Heroku could not be asked to carry out (rate limit, no authorization, a failure). */
export type AutoscaleDecisionKind = 'scale_up' | 'scale_down' | 'hold' | 'none' | 'blocked'

/** How long a formation read stays good for deciding nothing (a change always reads it fresh). */
export const FORMATION_STALE_MS = 5 * 60_000
/** A hold or an unapplied decision repeated unchanged is written to the history this often at most. */
const REPEAT_RECORD_MS = 5 * 60_000
/** Windows read per evaluation: the longest downscale delay a policy may ask for is a day; a span this long covers what decide() reads for the usual ones. */
const HISTORY_MS = 30 * 60_000

export class Autoscaler {
  readonly #o: AutoscalerOptions
  #timer?: NodeJS.Timeout
  #sub?: Subscription
  #running = new Map<string, Promise<void>>()
  #stopped = false

  constructor (o: AutoscalerOptions) { this.#o = o }

  #now (): number { return this.#o.now?.() ?? Date.now() }

  #observe (d: AutoscaleDecisionKind): void { try { this.#o.observe?.(d) } catch {} }

  start (): void {
    this.#timer = setInterval(() => { void this.round() }, this.#o.tickMs)
    if (this.#o.wakeOnWindows === false) return
    try {
      // Windows announced by the log-drain: decide for that app now, not at the next tick.
      this.#sub = this.#o.nc.subscribe(subjects.autoscaleWindows, {
        queue: queueGroups.allocator,
        callback: (err, msg) => {
          if (err) return
          try {
            const m = decode(RouterWindowsMessage, msg.data)
            void this.#byTenant(m.tenantId).then((uuid) => { if (uuid) this.evaluateSoon(uuid) })
          } catch {}
        }
      })
    } catch (err) { this.#o.log.warn({ err }, 'autoscaler: no window announcements; deciding on the tick only') }
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    try { this.#sub?.unsubscribe() } catch {}
    await Promise.allSettled([...this.#running.values()])
  }

  async #byTenant (tenantId: string): Promise<string | null> {
    return instanceOfTenant(this.#o.db.pool, tenantId)
  }

  /** One pass over every add-on with a policy. */
  async round (): Promise<void> {
    if (this.#stopped) return
    let uuids: string[]
    try { uuids = await instancesWithPolicies(this.#o.db) } catch (err) { this.#o.log.warn({ err: (err as Error).message }, 'autoscaler: could not list the apps'); return }
    await Promise.allSettled(uuids.map((u) => this.evaluate(u)))
  }

  /** Evaluates an add-on unless an evaluation of it is already running. */
  evaluateSoon (uuid: string): void {
    if (!this.#stopped && !this.#running.has(uuid)) void this.evaluate(uuid)
  }

  evaluate (uuid: string): Promise<void> {
    const running = this.#running.get(uuid)
    if (running) return running
    const p = this.#exclusive(uuid, () => this.#evaluate(uuid)).catch((err) => { this.#o.log.error({ err, instanceUuid: uuid }, 'autoscaler: evaluation failed') }).finally(() => this.#running.delete(uuid))
    this.#running.set(uuid, p)
    return p
  }

  /**
   * Runs `fn` while holding the add-on's advisory lock, or not at all when another
   * allocator replica holds it (it is deciding for this app right now; the next tick or
   * wake-up decides again). Without it two replicas could both see no scale in flight and
   * both enqueue one. A session lock on a connection of its own: it ends with the
   * connection, so a replica that dies mid-evaluation leaves no lock behind.
   */
  async #exclusive (uuid: string, fn: () => Promise<void>): Promise<void> {
    const key = `autoscale:${uuid}`
    await withClient(this.#o.db.pool, async (client, markBroken) => {
      if (!(await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key])).rows[0]!.ok) return
      // A connection whose unlock failed may still hold the lock: it is closed, not pooled.
      try { await fn() } finally { await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(markBroken) }
    })
  }

  async #evaluate (uuid: string): Promise<void> {
    const { db } = this.#o
    const policies = await loadPolicies(db, uuid)
    if (policies.length === 0) return
    // One scale operation in flight per add-on: decide again once it has finished.
    if (await this.#scalePending(uuid)) return
    const now = this.#now()
    let states = await loadStates(db, uuid)
    const stale = policies.some((p) => { const s = states.find((x) => x.processType === p.processType); return !s?.formationAt || now - s.formationAt.getTime() > FORMATION_STALE_MS })
    let blocked: AppAccessBlocked | null = null
    if (stale) {
      try { states = await this.#readFormation(uuid, states, now) } catch (err) {
        if (!(err instanceof AppAccessBlocked)) throw err
        blocked = err
      }
    }
    const app = await loadApp(db, uuid)
    const maxDelay = Math.max(...policies.map((p) => (p.policy.downscale_delay_s + p.policy.breach_s) * 1000))
    const windows = await recentWindows(db.pool, uuid, now - Math.min(24 * 3600_000, Math.max(HISTORY_MS, maxDelay + 2 * WINDOW_MS)))
    const observedSince = (await metricsSince(db.pool, uuid, now)) ?? now
    for (const { processType, policy, updatedAt } of policies) {
      const state = states.find((s) => s.processType === processType)
      if (state?.quantity === null || state?.quantity === undefined) {
        const reason = blocked ? `the formation could not be read: ${blocked.message}` : `the app has no ${processType} process type`
        await this.#note(uuid, state, { action: 'hold', processType, from: 0, to: 0, value: null, bounds: { min: policy.min, max: policy.max }, applied: false, reason }, blocked ? outcomeOf(blocked) : 'recorded', now)
        continue
      }
      const input = { policy, processType, quantity: state.quantity, windows: windows.filter((w) => w.processType === processType), now, state: decisionState(state, app), observedSince }
      let d = decide(input)
      if (d.action === 'scale' && d.applied) {
        // A 422 is shown once: the same change is not tried again until the formation or the policy changes.
        const last = state.lastDecision
        if (last?.outcome === 'failed' && last.from === d.from && last.to === d.to && last.at.getTime() > updatedAt.getTime()) {
          // The hold keeps from → to: the change that stays refused, what the next round compares.
          await noteLastDecision(db, uuid, { ...d, action: 'hold', applied: false, reason: `${d.reason}; not tried again: Heroku refused it (${last.error ?? 'unknown reason'}) and neither the formation nor the policy changed since` }, 'failed', new Date(now), last.error)
          continue
        }
        // Fresh before every change: a person may have scaled since the last read.
        let fresh: ProcessTypeState[]
        try { fresh = await this.#readFormation(uuid, states, now) } catch (err) {
          if (!(err instanceof AppAccessBlocked)) throw err
          await this.#note(uuid, state, { ...d, action: 'hold', to: d.from, applied: false, reason: `${d.reason}, but ${err.message}` }, outcomeOf(err), now)
          continue
        }
        const now2 = fresh.find((s) => s.processType === processType)
        if (now2?.quantity !== state.quantity) {
          d = decide({ ...input, quantity: now2?.quantity ?? 0, state: decisionState(now2, app) })
          if (!(d.action === 'scale' && d.applied)) { await this.#note(uuid, now2, d, 'recorded', now); continue }
        }
        await this.#apply(uuid, d, now)
        return // one operation in flight: the other process types wait for the next evaluation
      }
      await this.#note(uuid, state, d, blocked && d.action === 'scale' ? outcomeOf(blocked) : 'recorded', now)
    }
  }

  async #scalePending (uuid: string): Promise<boolean> {
    const r = await this.#o.db.pool.query("SELECT 1 FROM operations WHERE instance_uuid = $1 AND kind = 'scale' AND status IN ('pending', 'running') LIMIT 1", [uuid])
    return (r.rowCount ?? 0) > 0
  }

  /** Reads the formation, notes it, and takes a quantity nobody told us about for a person's change. */
  async #readFormation (uuid: string, states: ProcessTypeState[], now: number): Promise<ProcessTypeState[]> {
    const formation = await this.#o.access.formation(uuid)
    for (const f of formation) {
      const s = states.find((x) => x.processType === f.type)
      const known = s?.quantity
      if (known !== null && known !== undefined && known !== f.quantity && s?.lastChange?.to !== f.quantity) {
        // Neither what we read last nor what we set: changed by hand (or by a webhook we missed).
        await noteChange(this.#o.db, uuid, f.type, { at: new Date(now), from: known, to: f.quantity, by: 'person' })
      } else await noteFormation(this.#o.db, uuid, f.type, f.quantity, f.size, new Date(now))
    }
    return loadStates(this.#o.db, uuid)
  }

  async #apply (uuid: string, d: Decision, now: number): Promise<void> {
    const { db } = this.#o
    // Enqueued not yet due, and released with the decision's id in its params: a runner's
    // sweep that found it in between ran it without the id and left the decision pending
    // for good (seen once in CI). Should this process die before the release, the
    // operation runs a minute later and finds its decision by its own id.
    const op = await enqueueOperation(db.pool, uuid, 'scale', { process_type: d.processType, from: d.from, to: d.to }, new Date(Date.now() + 60_000))
    const rec = await recordDecision(db, uuid, d, 'pending', { operationId: op.id, at: new Date(now) })
    await setOperationParams(db.pool, op.id, { process_type: d.processType, from: d.from, to: d.to, decision_id: rec.id }, { due: true })
    this.#o.log.info({ instanceUuid: uuid, processType: d.processType, from: d.from, to: d.to, reason: d.reason }, 'autoscaler: scaling')
    this.#observe(d.to > d.from ? 'scale_up' : 'scale_down')
    this.#o.kick(op.id)
  }

  /** Keeps the decision as the last one, and in the history when it says something new. */
  async #note (uuid: string, state: ProcessTypeState | undefined, d: Decision, outcome: DecisionOutcome, now: number): Promise<void> {
    const prev = state?.lastDecision ?? null
    this.#observe(outcome !== 'recorded' ? 'blocked' : d.action === 'none' ? 'none' : 'hold')
    if (worthRecording(prev, d, outcome, now)) await recordDecision(this.#o.db, uuid, d, outcome, { at: new Date(now) })
    else await noteLastDecision(this.#o.db, uuid, d, outcome, new Date(now))
  }
}

function outcomeOf (err: AppAccessBlocked): DecisionOutcome {
  return err.kind === 'rate_limited' ? 'rate_limited' : err.kind === 'needs_authorization' ? 'needs_authorization' : 'failed'
}

/**
 * Whether a decision goes into the history: a change of what is decided, a hold or an
 * unapplied decision repeated at most every few minutes, and "nothing to do" only when it
 * follows something else.
 */
export function worthRecording (prev: DecisionRecord | null, d: Decision, outcome: DecisionOutcome, now: number): boolean {
  if (!prev || prev.id === '') return prev === null || prev.action !== d.action || prev.to !== d.to || prev.outcome !== outcome
  if (d.action === 'none') return prev.action !== 'none'
  if (prev.action !== d.action || prev.from !== d.from || prev.to !== d.to || prev.applied !== d.applied || prev.outcome !== outcome) return true
  return now - prev.at.getTime() >= REPEAT_RECORD_MS
}
