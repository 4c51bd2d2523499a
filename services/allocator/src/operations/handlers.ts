// What each kind of operation does, step by step. Every step is idempotent and recorded,
// so a run resumed after a crash skips what finished and redoes only the interrupted step.
import type { NatsConnection } from '@nats-io/transport-node'
import type { Db } from '@addonkit/db'
import { findPlan, type AddonDefinition, type PlanDefinition } from '@addonkit/config'
import { contexts, randomSecret, type KeyRing } from '@addonkit/secrets'
import { asyncProvisionBody, audit, loadApp, loadInstance, purgeAutoscaling, webhookRecord, type InstanceRow, type WebhookOutcome, decideOnce, markProvisioned, markPurged, openResourceOutput, publishInstanceEvent, readDecision, sealDecisionBody, sealResourceOutput, allocationStorer, syncProvisionBody, storeResourceOutput, watchInstance, type EventWaiter } from '@addonkit/lifecycle'
import { PlatformApiError, type AppClient, type PlatformClient } from '@addonkit/platform-api'
import type { DriverContext } from '../drivers/driver.js'
import { driverFor, type DriverRegistry } from '../drivers/registry.js'
import type { GrantExchange, PlatformTokens } from '../platform-tokens.js'
import type { TokenRow } from './claim.js'
import type { AppLogNotifier } from '../app-log-notifier.js'
import type { AppAccess } from '../autoscale/app-access.js'
import { scaleHandler } from '../autoscale/scale-operation.js'
import type { UserTokens } from '../autoscale/user-tokens.js'
import { PermanentOperationError, type OperationHandler, type OperationContext } from './runner.js'

export interface HandlerDeps {
  db: Db
  nc: NatsConnection
  keyRing: KeyRing
  addon: AddonDefinition
  drivers: DriverRegistry
  platform: PlatformClient
  drainPublicUrl: string
  credentialGraceSeconds: number
  syncBudgetMs: number
  /** Writes an add-on event into the app's own log stream (requires log_input). */
  notify?: AppLogNotifier
  /** The add-on's Platform API tokens (shared with the autoscaler). */
  tokens: PlatformTokens
  /** Reaches the customer's app (autoscaling): the `scale` operation. */
  access: AppAccess
  /** Tidies up autoscaling when an add-on goes: the connected user's authorization. */
  users: UserTokens
  apps: AppClient
  /** Where Heroku delivers add-on webhooks (the gateway), e.g. https://addon.example.com. */
  gatewayPublicUrl: string
}

export function createHandlers (deps: HandlerDeps): Record<OperationContext['op']['kind'], OperationHandler> {
  const { db, keyRing } = deps
  const tokens = deps.tokens
  // Best effort and off the operation's path: a log line must not fail or slow the work.
  // Group-committed (lifecycle allocationStorer): the provisions claimed together store
  // their allocations together, one statement and one commit.
  const storeAllocation = allocationStorer(db)
  const tell = (uuid: string, message: string, logInputUrlEnc?: string | null) => { void deps.notify?.(uuid, message, logInputUrlEnc).catch(() => {}) }

  async function load (uuid: string): Promise<InstanceRow> {
    const instance = await loadInstance(db, uuid)
    if (!instance) throw new PermanentOperationError(`instance ${uuid} does not exist`)
    return instance
  }

  function planOf (slug: string): PlanDefinition {
    const plan = findPlan(deps.addon, slug)
    if (!plan) throw new PermanentOperationError(`plan "${slug}" is not in the add-on definition`)
    return plan
  }

  function context (instance: InstanceRow, plan: PlanDefinition): DriverContext {
    return {
      instance: { uuid: instance.uuid, plan: instance.plan, region: instance.region, options: instance.options, logDrainToken: instance.log_drain_token },
      plan,
      addon: deps.addon,
      db,
      keyRing,
      drainPublicUrl: deps.drainPublicUrl,
      credentialGraceSeconds: deps.credentialGraceSeconds
    }
  }

  /**
   * Waits for the gateway's answer to Heroku and returns its status (a resumed run whose
   * output an earlier attempt stored). `watch` was subscribed before `ready` was published,
   * so the gateway's `decided` event (which carries the status) cannot be missed; the row
   * is read first when `readFirst` and whenever 250 ms pass without an event (one may be
   * lost). If the gateway never decides (it crashed mid-request), the
   * allocator decides 202 itself once the sync budget is long over and completes
   * asynchronously; Heroku's retry then replays that 202.
   */
  async function awaitDecision (uuid: string, createdAt: Date, watch: EventWaiter, readFirst: boolean): Promise<{ status: number, fromGateway: boolean }> {
    const deadline = createdAt.getTime() + deps.syncBudgetMs + 3000
    let read = readFirst
    for (;;) {
      if (read) {
        const existing = await readDecision(db, keyRing, uuid)
        if (existing) return { status: existing.status, fromGateway: false }
      }
      read = true
      const left = deadline - Date.now()
      if (left <= 0) return { status: (await decideOnce(db, keyRing, uuid, { status: 202, body: asyncProvisionBody(uuid, deps.addon.name) })).status, fromGateway: false }
      const ev = await watch.next((e) => e.kind === 'decided', Math.min(left, 250))
      const status = Number(ev?.message)
      if (ev && Number.isInteger(status) && status >= 200) return { status, fromGateway: true }
    }
  }

  /**
   * Subscribes the add-on to its app's formation and release events (protocol §21.4), so a
   * person's `heroku ps:scale` pauses autoscaling and a deploy holds it. Best effort:
   * Heroku approves api:formation for partners case by case; without it the autoscaler
   * still sees a person's change when it reads the formation. `knownWebhookId`: the
   * webhook id as the claim read it (undefined: not read yet). The webhook (or why there is
   * none) is recorded in the statement that finishes the operation (the subscription is the
   * provision's last step); a run that dies between Heroku's answer and that statement
   * subscribes again on its retry, as one dying before its own record statement did.
   */
  async function subscribeWebhooks (ctx: OperationContext, uuid: string, knownWebhookId?: string | null): Promise<void> {
    if (knownWebhookId === undefined ? (await loadApp(db, uuid))?.webhookId : knownWebhookId) return
    const secret = randomSecret(32)
    let outcome: WebhookOutcome
    try {
      const w = await tokens.call(uuid, (t) => deps.apps.createAddonWebhook(uuid, t, { include: ['api:formation', 'api:release'], level: 'sync', url: `${deps.gatewayPublicUrl}/heroku/webhooks/${uuid}`, secret }))
      outcome = { id: w.id, secretEnc: keyRing.seal(secret, contexts.oauth(uuid, 'webhook')), include: w.include }
    } catch (err) {
      outcome = { problem: (err as Error).message.slice(0, 500) }
    }
    // Recorded in the statement that finishes the operation (one round trip).
    ctx.finishWith(webhookRecord(uuid, outcome))
  }

  /**
   * The grant exchange, first step of a provision. A grant Heroku refuses (`invalid_grant`:
   * unknown, expired or already used) need not fail the add-on: it is recorded as lost and
   * the provision goes on without Platform API tokens. A synchronous provision is complete
   * without them (the customer gets the add-on; what needs a token later, a config push on
   * rotation or autoscaling, fails then, saying why); an asynchronous one fails when it must
   * push its config. The protocol lists no grant problem among the refusals of a provision
   * (§4.5), and a retry after an attempt that exchanged the code and died before storing the
   * tokens meets exactly this refusal (a code works once, RFC 6749 §4.1.2; found by the
   * model-based test). Any other refusal (a wrong client secret: our configuration) still
   * fails the provision. The tokens come back sealed; the caller stores them.
   */
  async function exchangeGrant (ctx: OperationContext, uuid: string, row: TokenRow | null | undefined): Promise<GrantExchange | { result: 'lost' }> {
    try {
      return await tokens.exchange(uuid, row)
    } catch (err) {
      // Only a refused grant: a wrong client secret or any other refusal still fails.
      const refusedGrant = err instanceof PermanentOperationError && err.cause instanceof PlatformApiError && err.cause.herokuId === 'invalid_grant'
      if (!refusedGrant) throw err
      const reason = ctx.op.attempts <= 1 ? err.message : `refused on attempt ${ctx.op.attempts}, after an attempt that may have used it: ${err.message}`
      await audit(db.pool, uuid, 'grant_exchanged', 'failed', { result: 'lost', reason: reason.slice(0, 500) })
      return { result: 'lost' }
    }
  }

  // A provision: the grant exchange (Heroku) and the allocation (the driver) run side by
  // side; their results are stored in one statement that also decides the answer to Heroku
  // (a 200 with the config, compare-and-set: unless the gateway already answered, e.g. 202
  // when its budget ran out) and returns the answer that stands; the `ready` event carries
  // it sealed, so the gateway answers Heroku without a round trip of its own. The output is
  // stored only when the exchange succeeded or the grant was refused (recorded as lost, see
  // exchangeGrant); any other exchange failure fails or retries the provision (an allocated
  // resource whose credentials were never stored is what a crash between allocate and store
  // leaves: the driver's allocate is an upsert, and a retry or a deprovision finds it). Each
  // step checks its own state (token present, config stored), so a resumed run skips what
  // finished.
  const provision: OperationHandler = async (ctx) => {
    const uuid = ctx.op.instance_uuid
    const pre = ctx.prefetched
    let instance = pre?.instance ?? await load(uuid)
    let out = openResourceOutput(keyRing, uuid, instance.config_enc)
    const driver = out ? null : driverFor(deps.drivers, instance.driver)
    const plan = out ? null : planOf(instance.plan)
    const [g, a] = await Promise.allSettled([exchangeGrant(ctx, uuid, pre?.tokens), driver ? driver.allocate(context(instance, plan!)) : Promise.resolve(null)])
    if (g.status === 'rejected') throw g.reason
    const grant = g.value
    if (grant.result === 'no-grant') await audit(db.pool, uuid, 'grant_exchanged', 'noop', { result: grant.result })
    const sealedTokens = grant.result === 'exchanged' ? grant.sealed : null
    if (a.status === 'rejected') {
      if (sealedTokens) await tokens.store(uuid, sealedTokens, 'grant_exchanged')
      throw a.reason
    }
    let status: number
    /** Whether the instance is known to be marked provisioned if the answer is 200. */
    let marked = false
    if (a.value) {
      out = a.value
      const body = syncProvisionBody(uuid, deps.addon.name, out)
      const stored = await storeAllocation({
        uuid, sealedOutput: sealResourceOutput(keyRing, uuid, out), detail: { driver: driver!.name, config_vars: Object.keys(out.config) }, tokens: sealedTokens,
        decide: { status: 200, bodyEnc: sealDecisionBody(keyRing, uuid, body) }
      })
      const d = stored.decision!
      publishInstanceEvent(deps.nc, { instanceUuid: uuid, operationId: ctx.op.id, kind: 'ready', outcome: 'progress', decision: { status: d.status, sealedBody: d.bodyEnc } })
      status = d.status
      marked = stored.ours
    } else {
      // A resumed run: the output was stored by an earlier attempt (which decided too,
      // unless an older version stored it): read the answer, or wait for the gateway's.
      if (sealedTokens) await tokens.store(uuid, sealedTokens, 'grant_exchanged')
      // Subscribed before `ready`: the gateway's decision cannot be missed.
      const watch = watchInstance(deps.nc, uuid)
      try {
        publishInstanceEvent(deps.nc, { instanceUuid: uuid, operationId: ctx.op.id, kind: 'ready', outcome: 'progress' })
        ;({ status, fromGateway: marked } = await awaitDecision(uuid, instance.created_at, watch, true))
      } finally { watch.close() }
    }
    if (!out) throw new Error(`instance ${uuid} has no resource output after its allocation`)
    if (status === 200) {
      // A 200 set by this run's statement, or one the gateway just decided (its event), moved
      // the instance to provisioned in the statement that stored it. A 200 read from the row
      // may have been stored without that move (by an older version, or a test deciding
      // directly): mark it then. Never resurrects a deprovisioned instance.
      if (!marked) await markProvisioned(db, uuid, 'sync')
      // The log URL as the claim read it: the line costs no statement.
      tell(uuid, `${deps.addon.name} is provisioned on the ${instance.plan} plan.`, pre?.logInputUrlEnc)
      await subscribeWebhooks(ctx, uuid, pre ? pre.webhookId : undefined)
      return { path: 'sync' }
    }
    // Heroku may deprovision while a provision is still completing: do not push config.
    instance = await load(uuid)
    if (instance.state === 'deprovisioned' || instance.state === 'deprovisioning') {
      await audit(db.pool, uuid, 'provision_abandoned', 'noop', { reason: 'deprovisioned meanwhile' })
      return { abandoned: true }
    }
    if (status !== 202) throw new PermanentOperationError(`the provision was answered ${status}`)
    const config = out.config
    if (!ctx.done('config_pushed')) {
      await tokens.call(uuid, (t) => deps.platform.updateConfig(uuid, t, config))
      await audit(db.pool, uuid, 'config_pushed', 'ok', { config_vars: Object.keys(config) })
      await ctx.step('config_pushed')
    }
    await tokens.call(uuid, (t) => deps.platform.markProvisioned(uuid, t))
    await markProvisioned(db, uuid, 'async')
    tell(uuid, `${deps.addon.name} is provisioned on the ${instance.plan} plan.`, pre?.logInputUrlEnc)
    await subscribeWebhooks(ctx, uuid, pre ? pre.webhookId : undefined)
    return { path: 'async' }
  }

  const changePlan: OperationHandler = async (ctx) => {
    const uuid = ctx.op.instance_uuid
    const { from, to } = ctx.op.params as { from: string, to: string }
    const instance = await load(uuid)
    const driver = driverFor(deps.drivers, instance.driver)
    const result = await driver.changePlan(context(instance, planOf(from)), planOf(to))
    if (result.config) {
      const prev = openResourceOutput(keyRing, uuid, instance.config_enc)
      await storeResourceOutput(db, keyRing, uuid, { ...prev, config: { ...prev?.config, ...result.config } })
      if (!ctx.done('config_pushed')) {
        await tokens.call(uuid, (t) => deps.platform.updateConfig(uuid, t, result.config!))
        await ctx.step('config_pushed')
      }
    }
    await audit(db.pool, uuid, 'plan_changed', 'ok', { from, to, config_changed: Boolean(result.config) })
    tell(uuid, `${deps.addon.name} moved from the ${from} plan to the ${to} plan.`)
    return { from, to, configChanged: Boolean(result.config) }
  }

  const rotate: OperationHandler = async (ctx) => {
    const uuid = ctx.op.instance_uuid
    const instance = await load(uuid)
    if (instance.state !== 'provisioned') throw new PermanentOperationError(`cannot rotate credentials of an instance that is ${instance.state}`)
    // The new config is stored before it is pushed, so a crash after the rotation pushes
    // the same credentials again rather than minting a third set.
    if (!ctx.done('rotated')) {
      const driver = driverFor(deps.drivers, instance.driver)
      const out = await driver.rotateCredentials(context(instance, planOf(instance.plan)))
      const prev = openResourceOutput(keyRing, uuid, instance.config_enc)
      await storeResourceOutput(db, keyRing, uuid, { ...prev, ...out, config: { ...prev?.config, ...out.config } })
      await ctx.step('rotated')
    }
    const current = openResourceOutput(keyRing, uuid, (await load(uuid)).config_enc)!
    await tokens.call(uuid, (t) => deps.platform.updateConfig(uuid, t, current.config))
    await audit(db.pool, uuid, 'credentials_rotated', 'ok', { config_vars: Object.keys(current.config) })
    tell(uuid, `${deps.addon.name} credentials were rotated; the app restarts with the new config vars.`)
    return {}
  }

  const deprovision: OperationHandler = async (ctx) => {
    const uuid = ctx.op.instance_uuid
    const instance = await load(uuid)
    await driverFor(deps.drivers, instance.driver).deallocate(context(instance, planOf(instance.plan)))
    await audit(db.pool, uuid, 'credentials_revoked', 'ok', {})
    // A Heroku user's authorization connected for autoscaling goes with the add-on.
    const revoked = await deps.users.revoke(uuid, deps.apps)
    if (revoked !== 'none') await audit(db.pool, uuid, 'user_authorization_revoked', revoked === 'revoked' ? 'ok' : 'noop', { at_heroku: revoked === 'revoked' })
    return {}
  }

  const purge: OperationHandler = async (ctx) => {
    const uuid = ctx.op.instance_uuid
    const instance = await load(uuid)
    await driverFor(deps.drivers, instance.driver).purge(context(instance, planOf(instance.plan)))
    await markPurged(db, uuid)
    await db.pool.query('DELETE FROM oauth_tokens WHERE instance_uuid = $1', [uuid])
    await purgeAutoscaling(db, uuid)
    await audit(db.pool, uuid, 'purged', 'ok', {})
    return {}
  }

  const scale = scaleHandler({ db, access: deps.access, tell })

  return { provision, change_plan: changePlan, rotate_credentials: rotate, deprovision, purge, scale }
}
