// The `scale` operation: one process type of an app from `from` to `to` dynos, as the
// autoscaler decided. It reads the formation again first, so it never doubles a step: a
// run resumed after a crash finds `to` already there and is done; a formation a person
// changed meanwhile is left alone. Heroku's refusals are final and shown to the customer
// (422 with Heroku's message, 403: connect an account, 429: wait for the limit); the
// Platform API being down is retried by the outbox with backoff.
import type { Db } from '@addonkit/db'
import { decisionOfOperation, recordScaleOutcome, type DecisionOutcome, type FormationChange, type ScaleOutcome } from '@addonkit/lifecycle'
import { PermanentOperationError, type OperationHandler } from '../operations/runner.js'
import { AppAccessBlocked, type AppAccess } from './app-access.js'

export interface ScaleParams { process_type: string, from: number, to: number, decision_id?: string }

export interface ScaleDeps {
  db: Db
  access: AppAccess
  /** Writes an event into the app's own log stream. */
  tell: (uuid: string, message: string) => void
}

export function scaleHandler (deps: ScaleDeps): OperationHandler {
  const { db, access } = deps
  return async (ctx) => {
    const uuid = ctx.op.instance_uuid
    const p = ctx.op.params as unknown as ScaleParams
    // The id is in the params once the autoscaler released the operation; one enqueued by an
    // autoscaler that died before that finds its decision by the operation's id.
    const decisionId = p.decision_id ?? await decisionOfOperation(db, ctx.op.id) ?? undefined
    // Each ending is recorded in one transaction (recordScaleOutcome): the change, the
    // decision's outcome and the audit entry are seen together or not at all.
    const end = (o: { change?: FormationChange, outcome: DecisionOutcome, error?: string, audit?: ScaleOutcome['audit'] }) => recordScaleOutcome(db, {
      instanceUuid: uuid,
      processType: p.process_type,
      ...(o.change ? { change: o.change } : {}),
      ...(decisionId ? { decision: { id: decisionId, outcome: o.outcome, ...(o.error !== undefined ? { error: o.error } : {}) } } : {}),
      ...(o.audit ? { audit: o.audit } : {})
    })
    try {
      const current = (await access.formation(uuid)).find((f) => f.type === p.process_type)
      if (!current) {
        await end({ outcome: 'failed', error: `the app has no ${p.process_type} process type any more` })
        throw new PermanentOperationError(`the app has no ${p.process_type} process type`)
      }
      if (current.quantity === p.to) {
        // Already there: this run resumes one that PATCHed before it could record it.
        await end({ change: { at: new Date(), from: p.from, to: p.to, by: 'autoscaler' }, outcome: 'done' })
        return { quantity: p.to, resumed: true }
      }
      if (current.quantity !== p.from) {
        await end({ change: { at: new Date(), from: p.from, to: current.quantity, by: 'person' }, outcome: 'skipped', error: `the formation changed to ${current.quantity} before the change was made` })
        return { skipped: true, quantity: current.quantity }
      }
      const done = await access.scale(uuid, p.process_type, p.to)
      await end({
        change: { at: new Date(), from: p.from, to: done.quantity, by: 'autoscaler' },
        outcome: 'done',
        audit: { outcome: 'ok', detail: { process_type: p.process_type, from: p.from, to: done.quantity } }
      })
      deps.tell(uuid, `autoscaling: ${p.process_type} ${p.from} → ${done.quantity}`)
      return { quantity: done.quantity }
    } catch (err) {
      if (!(err instanceof AppAccessBlocked) || err.kind === 'unavailable') throw err
      const outcome = err.kind === 'rate_limited' ? 'rate_limited' : err.kind === 'needs_authorization' ? 'needs_authorization' : 'failed'
      await end({ outcome, error: err.message, audit: { outcome: 'refused', detail: { process_type: p.process_type, from: p.from, to: p.to, reason: err.message } } })
      throw new PermanentOperationError(err.message, { cause: err })
    }
  }
}
