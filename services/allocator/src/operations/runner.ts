// Executes the outbox. Work arrives as NATS wake-ups (fast path) and from a periodic sweep
// (the durable path: lost wake-ups, crashed runners whose lease expired, retries that came
// due). A failed attempt is retried with exponential backoff; after the last attempt, or on
// a permanent error, the operation fails visibly (status, instance state, audit, event).
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '@addonkit/db'
import { decode, OperationEnqueued, queueGroups, subjects } from '@addonkit/contracts'
import { audit, publishInstanceEvent } from '@addonkit/lifecycle'
import { contextFromNatsHeaders, contextFromTraceparent, withSpan, type TraceContext } from '@addonkit/service-kit'
import { failOperation, operationClaimer, operationFinisher, nextOperationOf, renewLease, retryOperation, runnableOperations, setStep, type ClaimedOperation, type FinishWrite, type OperationRow, type Prefetched } from './claim.js'

export interface OperationContext {
  op: OperationRow
  /** What the handler reads first, read with the claim (claim.ts): valid at the claim, re-read anything that may have moved since. */
  prefetched?: Prefetched
  /** Records progress so a resumed run skips finished steps. */
  step (name: string): Promise<void>
  done (name: string): boolean
  /** A last write to commit in the statement that marks the operation succeeded (claim.ts FinishWrite). */
  finishWith (write: FinishWrite): void
}

export type OperationHandler = (ctx: OperationContext) => Promise<Record<string, unknown>>

/** Thrown by handlers for failures that retrying cannot fix. */
export class PermanentOperationError extends Error {
  readonly code = 'ALLOC_OPERATION_PERMANENT'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PermanentOperationError'
  }
}

export interface RunnerOptions {
  db: Db
  nc: NatsConnection
  log: FastifyBaseLogger
  handlers: Record<OperationRow['kind'], OperationHandler>
  /** Called when an operation fails for good. */
  onFailed: (op: OperationRow, reason: string) => Promise<void>
  leaseMs: number
  sweepMs: number
  maxAttempts: number
  isPermanent: (err: unknown) => boolean
  /** Told each attempt's outcome and, for a final one, the seconds since the operation was enqueued (metrics). */
  observe?: (kind: OperationRow['kind'], outcome: 'succeeded' | 'failed' | 'retried', secondsSinceEnqueued: number) => void
}

export function backoffMs (attempt: number): number {
  const base = Math.min(60_000, 250 * 2 ** Math.max(0, attempt - 1))
  return Math.round(base * (0.8 + Math.random() * 0.4))
}

export class OperationRunner {
  readonly #o: RunnerOptions
  readonly #inflight = new Map<string, Promise<void>>()
  #sub?: Subscription
  #timer?: NodeJS.Timeout
  #stopped = false
  #sweeping = false
  /** Claims group-committed (claim.ts operationClaimer): wake-ups that arrive together are claimed in one statement. */
  readonly #claim: (id: string) => Promise<ClaimedOperation | null>
  /** Finishes group-committed too (claim.ts operationFinisher): operations claimed together end together. */
  readonly #finish: ReturnType<typeof operationFinisher>

  constructor (opts: RunnerOptions) {
    this.#o = opts
    this.#claim = operationClaimer(opts.db, opts.leaseMs)
    this.#finish = operationFinisher(opts.db)
  }

  start (): void {
    try {
      this.#sub = this.#o.nc.subscribe(subjects.operationEnqueued, {
        queue: queueGroups.allocator,
        callback: (err, msg) => {
          if (err) return
          try { this.kick(decode(OperationEnqueued, msg.data).operationId, contextFromNatsHeaders(msg.headers)) } catch (e) { this.#o.log.warn({ err: e }, 'ignored a malformed wake-up') }
        }
      })
    } catch (err) {
      this.#o.log.warn({ err }, 'could not subscribe to wake-ups; relying on the sweep')
    }
    this.#timer = setInterval(() => { void this.sweep() }, this.#o.sweepMs)
    void this.sweep()
  }

  /**
   * Tries to run one operation now (no-op if it is not runnable or already running here).
   * `trace`: the trace context its wake-up message carried.
   */
  kick (id: string, trace?: TraceContext): void {
    if (this.#stopped || this.#inflight.has(id)) return
    const p = this.#run(id, trace).catch((err) => this.#o.log.error({ err, operationId: id }, 'operation runner error')).finally(() => this.#inflight.delete(id))
    this.#inflight.set(id, p)
  }

  async sweep (): Promise<void> {
    if (this.#sweeping || this.#stopped) return
    this.#sweeping = true
    try {
      for (const id of await runnableOperations(this.#o.db)) this.kick(id)
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'sweep failed; will retry')
    } finally { this.#sweeping = false }
  }

  async stop (timeoutMs = 8000): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    try { this.#sub?.unsubscribe() } catch {}
    // Unfinished operations keep their lease and are resumed by the next runner.
    await Promise.race([Promise.allSettled([...this.#inflight.values()]), new Promise((resolve) => setTimeout(resolve, timeoutMs))])
  }

  get inflight (): number { return this.#inflight.size }

  #observe (op: OperationRow, outcome: 'succeeded' | 'failed' | 'retried'): void {
    try { this.#o.observe?.(op.kind, outcome, (Date.now() - op.created_at.getTime()) / 1000) } catch {}
  }

  // Tracing: an attempt is a CONSUMER span whose parent is the context the wake-up message
  // carried or, when the sweep found the operation, the one stored with its row; either
  // way the request that enqueued it.
  #traced<T> (op: OperationRow, trace: TraceContext | undefined, fn: () => Promise<T>): Promise<T> {
    return withSpan('addonkit-allocator', `process ${op.kind}`, {
      kind: 'consumer',
      parent: trace ?? contextFromTraceparent(op.traceparent),
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': subjects.operationEnqueued,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.message.id': op.id,
        'addonkit.operation.kind': op.kind,
        'addonkit.operation.attempt': op.attempts,
        'addonkit.operation.trigger': trace ? 'message' : 'sweep',
        'addonkit.addon.uuid': op.instance_uuid
      }
    }, fn)
  }

  async #run (id: string, trace?: TraceContext): Promise<void> {
    const { db, log } = this.#o
    const op = await this.#claim(id)
    if (!op) return
    const steps = new Set<string>(op.step ? op.step.split(',') : [])
    const heartbeat = setInterval(() => { renewLease(db, op.id, this.#o.leaseMs).catch(() => {}) }, Math.max(100, Math.floor(this.#o.leaseMs / 3)))
    const { prefetched, ...row } = op
    let finishWrite: FinishWrite | undefined
    const ctx: OperationContext = {
      op: row,
      prefetched,
      finishWith: (write) => { finishWrite = write },
      done: (name) => steps.has(name),
      step: async (name) => { steps.add(name); await setStep(db, op.id, [...steps].join(',')) }
    }
    const olog = log.child({ operationId: op.id, instanceUuid: op.instance_uuid, kind: op.kind, attempt: op.attempts })
    let next: string | null | undefined
    try {
      const result = await this.#traced(op, trace, () => this.#o.handlers[op.kind](ctx))
      next = await this.#finish({ id: op.id, instanceUuid: op.instance_uuid, result, also: finishWrite })
      if (next === undefined) {
        // Its lease ran out and another runner ended it meanwhile: that runner's end stands.
        olog.warn('operation was no longer running here when it finished; its end was not recorded')
      } else {
        olog.info('operation succeeded')
        this.#observe(op, 'succeeded')
        publishInstanceEvent(this.#o.nc, { instanceUuid: op.instance_uuid, operationId: op.id, kind: op.kind, outcome: 'succeeded' })
      }
    } catch (err) {
      const reason = (err as Error).message || String(err)
      const permanent = this.#o.isPermanent(err)
      if (!permanent && op.attempts < this.#o.maxAttempts) {
        const delay = backoffMs(op.attempts)
        olog.warn({ err: reason, retryInMs: delay }, 'operation attempt failed; will retry')
        await retryOperation(db, op.id, delay, reason)
        this.#observe(op, 'retried')
        await audit(db.pool, op.instance_uuid, op.kind, 'retry', { attempt: op.attempts, error: reason, retryInMs: delay }).catch(() => {})
      } else {
        olog.error({ err: reason }, 'operation failed')
        await failOperation(db, op.id, reason)
        this.#observe(op, 'failed')
        await audit(db.pool, op.instance_uuid, op.kind, 'failed', { attempt: op.attempts, error: reason }).catch(() => {})
        await this.#o.onFailed(op, reason).catch((e) => olog.error({ err: e }, 'onFailed hook failed'))
        publishInstanceEvent(this.#o.nc, { instanceUuid: op.instance_uuid, operationId: op.id, kind: op.kind, outcome: 'failed', message: reason })
      }
    } finally {
      clearInterval(heartbeat)
    }
    // The next operation of the same instance may have been waiting for this one.
    if (next === undefined) next = await nextOperationOf(db, op.instance_uuid).catch(() => null)
    if (next && next !== op.id) { const id = next; setImmediate(() => this.kick(id)) }
  }
}
