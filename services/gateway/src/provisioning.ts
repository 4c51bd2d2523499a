// The provisioning lifecycle as Heroku drives it (protocol §4–§8): every request is written to
// the database with the work it implies in one transaction (the outbox), the allocator is
// woken over NATS, and the answer is decided once — synchronous if the resource is ready
// within the budget, 202 otherwise — and replayed on every retry of the same uuid.
import type { FastifyBaseLogger } from 'fastify'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Db, Instance } from '@addonkit/db'
import { checkOptions, findPlan, regionNameFor, type AddonDefinition } from '@addonkit/config'
import { decode, encode, PlanCheckReply, PlanCheckRequest, subjects } from '@addonkit/contracts'
import { contexts, type KeyRing } from '@addonkit/secrets'
import {
  asyncProvisionBody, audit, decideOnce, openDecisionBody, provisionRequestInserter, openResourceOutput, publishInstanceEvent, readProvisionReplay, readProvisionState,
  requestDeprovision, requestPlanChange, revertPlan, sealGrantCode, syncProvisionBody, wakeAllocator, watchInstance,
  type Decision, type EventWaiter, type ProvisionState
} from '@addonkit/lifecycle'
import { currentTraceparent, natsTraceHeaders, withSpan } from '@addonkit/service-kit'
import { Conflict, Gone, Invalid, NotFound, Unavailable } from './errors.js'
import type { ProvisionBody } from './routes/schemas.js'

export interface ProvisioningDeps {
  db: Db
  nats: NatsConnection
  keyRing: KeyRing
  addon: AddonDefinition
  syncBudgetMs: number
  purgeGraceSeconds: number
  log: FastifyBaseLogger
}

export interface Answer {
  status: number
  body: Record<string, unknown> | null
  /** Provision only: whether this request repeated one already taken (metrics). */
  replayed?: boolean
}

/** Span attributes of an outbox write: where the wake-up goes and what it is about (no request content). */
function sendAttributes (uuid: string, kind: string) {
  return {
    'messaging.system': 'nats',
    'messaging.destination.name': subjects.operationEnqueued,
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
    'addonkit.operation.kind': kind,
    // Heroku's id of the add-on: an identifier, not a credential (it is in every URL Heroku calls).
    'addonkit.addon.uuid': uuid
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DEPROVISIONED_MESSAGE = 'This add-on has been deprovisioned.'

export function createProvisioning (deps: ProvisioningDeps) {
  const { db, nats, keyRing, addon } = deps

  // Group commit (lifecycle provisionRequestInserter): concurrent new provisions share one
  // statement and one commit; alone, a request's statement goes at once.
  const insertProvisionRequest = provisionRequestInserter(db)

  const planList = () => addon.plans.map((p) => p.slug).join(', ')

  function validatePlan (slug: string) {
    const plan = findPlan(addon, slug)
    if (!plan) throw new Invalid(`Plan "${slug}" is not available for ${addon.name}. Available plans: ${planList()}.`)
    return plan
  }

  /** Decides `decision` unless another did first, tells the allocator, and returns the decision that stands. */
  async function decide (uuid: string, decision: Decision): Promise<Decision> {
    // Heroku takes a 200 as "provisioned": it is recorded with the decision.
    const stands = await decideOnce(db, keyRing, uuid, decision, { markProvisioned: true })
    publishInstanceEvent(nats, { instanceUuid: uuid, kind: 'decided', outcome: 'progress', message: String(stands.status) })
    return stands
  }

  /**
   * Waits until the provision of `uuid` can be answered and decides the answer once.
   * Another request may decide first (a concurrent retry, or the allocator after a gateway
   * crash, or the allocator with the output: its `ready` event carries the answer that
   * stands, sealed, and it is returned without reading the row). `fresh`: this request has
   * just inserted the instance, subscribed before it woke the allocator, so nothing can be
   * decided or allocated yet and the first read is skipped; `known`: the row as the caller
   * just read it, used for the first read. The row is read whenever 250 ms pass without a
   * usable event (one may be lost).
   */
  async function settleProvision (uuid: string, watch: EventWaiter, fresh: boolean, known?: ProvisionState): Promise<Decision> {
    const deadline = Date.now() + deps.syncBudgetMs
    let read = !fresh
    for (;;) {
      if (read) {
        const inst = known ?? await readProvisionState(db, keyRing, uuid)
        known = undefined
        if (!inst) throw new Error(`instance ${uuid} vanished`)
        if (inst.decision) return inst.decision
        const out = openResourceOutput(keyRing, uuid, inst.configEnc)
        if (out) return decide(uuid, { status: 200, body: syncProvisionBody(uuid, addon.name, out) })
        if (inst.state === 'failed') return decide(uuid, { status: 422, body: { message: `${addon.name} could not be provisioned: ${inst.failureReason ?? 'unknown error'}` } })
      }
      read = true
      if (Date.now() >= deadline) return decide(uuid, { status: 202, body: asyncProvisionBody(uuid, addon.name) })
      const ev = await watch.next((e) => e.kind === 'ready' || e.kind === 'decided' || (e.kind === 'provision' && e.outcome === 'failed'), Math.min(250, deadline - Date.now()))
      // The answer as the allocator stored it with the output (compare-and-set, so it is the
      // one that stands; sealed: only the key ring opens it, so it is the allocator's).
      if (ev?.kind === 'ready' && ev.decision) return { status: ev.decision.status, body: openDecisionBody(keyRing, uuid, ev.decision.sealedBody) }
    }
  }

  async function provision (body: ProvisionBody): Promise<Answer> {
    const uuid = body.uuid.toLowerCase()
    const plan = validatePlan(body.plan)
    if (!regionNameFor(body.region, addon.regions)) {
      throw new Invalid(`Region "${body.region}" is not supported by ${addon.name}. Supported regions: ${addon.regions.join(', ')}.`)
    }
    const options = checkOptions(addon, body.options ?? {})
    if (!options.ok) throw new Invalid(options.message)

    const watch = watchInstance(nats, uuid)
    try {
      const grant = body.oauth_grant
      // One statement, so one round trip (insertProvisionRequest): the instance, its pending
      // grant, the audit entry and the outbox row commit together, with those of the other
      // new provisions that arrived meanwhile (group commit). ON CONFLICT DO NOTHING on the
      // uuid primary key: of any number of concurrent identical
      // requests exactly one inserts (they never share a statement); the others wait for it
      // and then see the row.
      // The outbox write and the wake-up are the operation's "send" (OTel messaging
      // conventions): the row and the NATS message both carry this span's trace context, so
      // the allocator's work joins this request's trace however it finds the operation.
      const op = await withSpan('addonkit-gateway', `send ${subjects.operationEnqueued}`, { kind: 'producer', attributes: sendAttributes(uuid, 'provision') }, async (span) => {
        const [logInputUrlEnc, logDrainToken] = [
            body.log_input_url ? keyRing.seal(body.log_input_url, contexts.logInputUrl(uuid)) : null, body.log_drain_token ?? null,
        ]
        const op = await insertProvisionRequest({
          uuid, name: body.name ?? null, plan: plan.slug, region: body.region, driver: plan.driver, options: options.value, callbackUrl: body.callback_url ?? null,
          logInputUrlEnc, logDrainToken,
          grantCodeEnc: grant ? sealGrantCode(keyRing, uuid, grant.code) : null,
          grantExpiresAt: grant?.expires_at && !Number.isNaN(Date.parse(grant.expires_at)) ? new Date(grant.expires_at) : null,
          auditDetail: { plan: plan.slug, region: body.region, options: Object.keys(options.value), ...(options.ignored.length ? { ignored_options: options.ignored.slice(0, 20).map((k) => k.slice(0, 64)) } : {}), grant: Boolean(grant) },
          operationParams: { plan: plan.slug },
          traceparent: currentTraceparent() ?? null
        })
        if (!op) return null
        span.setAttribute('messaging.message.id', op.id)
        wakeAllocator(nats, op, natsTraceHeaders())
        return op
      })
      if (op) {
        return { ...await settleProvision(uuid, watch, true), replayed: false }
      }
      // A retry (or a concurrent duplicate) of a request we already have: one statement reads
      // the instance, the first request's plan and the answer, and records the retry.
      const existing = await readProvisionReplay(db, keyRing, uuid, plan.slug)
      // Not inserted and not found: the row was there for the insert and is gone now (nothing
      // deletes instances today); Heroku retries a 503.
      if (!existing) throw new Unavailable('This add-on could not be provisioned right now; please try again.')
      if (existing.state === 'deprovisioned' || existing.state === 'deprovisioning') throw new Gone(DEPROVISIONED_MESSAGE)
      if (existing.firstPlan !== plan.slug) throw new Conflict(`This add-on was already provisioned on the ${existing.firstPlan} plan; change plans with \`heroku addons:upgrade\`.`)
      return { ...await settleProvision(uuid, watch, false, existing), replayed: true }
    } finally {
      watch.close()
    }
  }

  async function loadLive (id: string, unknown: 'gone' | 'not-found'): Promise<Instance> {
    const inst = UUID.test(id) ? await db.prisma.instance.findUnique({ where: { uuid: id.toLowerCase() } }) : null
    if (!inst) {
      if (unknown === 'gone') throw new Gone('No such add-on.')
      throw new NotFound('No such add-on.')
    }
    if (inst.state === 'deprovisioned' || inst.state === 'deprovisioning') throw new Gone(DEPROVISIONED_MESSAGE)
    return inst
  }

  async function checkPlanChange (uuid: string, to: string): Promise<PlanCheckReply> {
    try {
      const msg = await nats.request(subjects.planCheck, encode(PlanCheckRequest, { instanceUuid: uuid, plan: to }), { timeout: Math.max(500, Math.min(deps.syncBudgetMs, 3000)) })
      return decode(PlanCheckReply, msg.data)
    } catch (err) {
      deps.log.warn({ err: (err as Error).message, instanceUuid: uuid }, 'plan check unavailable')
      // The change cannot be validated now; a 503 makes Heroku report a transient error
      // instead of accepting a change that might be refused later.
      throw new Unavailable('The plan change cannot be checked right now; please try again in a minute.')
    }
  }

  async function changePlan (id: string, planSlug: string): Promise<Answer> {
    const inst = await loadLive(id, 'not-found')
    const to = validatePlan(planSlug)
    if (inst.state === 'failed') throw new Invalid(`This add-on failed to provision (${inst.failureReason ?? 'unknown error'}); remove it and create it again.`)
    if (to.slug === inst.plan) {
      // Spec §8: a change to the current plan is a no-op (and a hint that Heroku thought
      // an earlier change failed).
      deps.log.info({ instanceUuid: inst.uuid, plan: to.slug }, 'plan change to the current plan: no-op')
      await audit(db.pool, inst.uuid, 'plan_change_requested', 'noop', { plan: to.slug })
      return { status: 200, body: { message: `Already on the ${to.name} plan.` } }
    }
    const from = findPlan(addon, inst.plan)
    const check = await checkPlanChange(inst.uuid, to.slug)
    if (!check.allowed) {
      await audit(db.pool, inst.uuid, 'plan_change_requested', 'refused', { from: inst.plan, to: to.slug, reason: check.reason })
      throw new Invalid(check.reason ?? `The change to ${to.name} is not allowed.`)
    }
    const watch = watchInstance(nats, inst.uuid)
    try {
      // One statement: the new plan, its audit entry and the change_plan operation.
      const op = await requestPlanChange(db, inst.uuid, inst.plan, to.slug)
      if (!op) throw new Conflict('The add-on changed while this request was processed; please retry.')
      wakeAllocator(nats, op, natsTraceHeaders())
      const deadline = Date.now() + deps.syncBudgetMs
      const movedMessage = `Moved from ${from?.name ?? inst.plan} to ${to.name}.`
      for (;;) {
        const row = await db.prisma.operation.findUnique({ where: { id: op.id } })
        if (row?.status === 'succeeded') {
          const changed = (row.result as { configChanged?: boolean } | null)?.configChanged
          const out = changed ? openResourceOutput(keyRing, inst.uuid, (await db.prisma.instance.findUnique({ where: { uuid: inst.uuid } }))?.configEnc ?? null) : null
          return { status: 200, body: { message: movedMessage, ...(out ? { config: out.config } : {}) } }
        }
        if (row?.status === 'failed') {
          await revertPlan(db, inst.uuid, to.slug, inst.plan)
          throw new Invalid(`The change to ${to.name} failed: ${row.lastError ?? 'unknown error'}`)
        }
        if (Date.now() >= deadline) return { status: 202, body: { message: `Moving from ${from?.name ?? inst.plan} to ${to.name}; the new limits apply in a moment.` } }
        await watch.next((ev) => ev.operationId === op.id, Math.min(250, deadline - Date.now()))
      }
    } finally { watch.close() }
  }

  async function deprovision (id: string): Promise<Answer> {
    const inst = await loadLive(id, 'gone')
    const purgeAfter = new Date(Date.now() + deps.purgeGraceSeconds * 1000)
    const watch = watchInstance(nats, inst.uuid)
    try {
      // One statement: from its commit on, every service refuses the instance's credentials
      // and drains; it records the request and enqueues the revocation and the purge.
      const op = await requestDeprovision(db, inst.uuid, purgeAfter)
      if (!op) throw new Gone(DEPROVISIONED_MESSAGE)
      wakeAllocator(nats, op, natsTraceHeaders())
      // Give the driver the budget to revoke access; the answer is 204 either way, since
      // the state change above already stops every service from serving the instance.
      await watch.next((ev) => ev.operationId === op.id, deps.syncBudgetMs)
      return { status: 204, body: null }
    } finally { watch.close() }
  }

  return { provision, changePlan, deprovision }
}
