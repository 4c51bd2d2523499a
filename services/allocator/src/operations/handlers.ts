// What each kind of operation does, step by step. Every step is idempotent and recorded,
// so a run resumed after a crash skips what finished and redoes only the interrupted step.
import type { NatsConnection } from '@nats-io/transport-node'
import type { Db } from '@addonkit/db'
import { findPlan, type AddonDefinition, type PlanDefinition } from '@addonkit/config'
import { contexts, randomSecret, type KeyRing } from '@addonkit/secrets'
import { asyncProvisionBody, audit, loadApp, loadInstance, purgeAutoscaling, saveApp, type InstanceRow, decideOnce, markProvisioned, markPurged, openResourceOutput, publishInstanceEvent, readDecision, storeResourceOutput, watchInstance, type Decision } from '@addonkit/lifecycle'
import { PlatformApiError, type AppClient, type PlatformClient } from '@addonkit/platform-api'
import type { DriverContext } from '../drivers/driver.js'
import { driverFor, type DriverRegistry } from '../drivers/registry.js'
import type { PlatformTokens } from '../platform-tokens.js'
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
  notify?: (instanceUuid: string, message: string) => Promise<void>
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
  const tell = (uuid: string, message: string) => { void deps.notify?.(uuid, message).catch(() => {}) }

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
   * Waits for the gateway's answer to Heroku. If the gateway never decides (it crashed
   * mid-request), the allocator decides 202 itself once the sync budget is long over and
   * completes asynchronously; Heroku's retry then replays that 202.
   */
  async function awaitDecision (uuid: string, createdAt: Date): Promise<Decision> {
    const deadline = createdAt.getTime() + deps.syncBudgetMs + 3000
    const watch = watchInstance(deps.nc, uuid)
    try {
      for (;;) {
        const existing = await readDecision(db, keyRing, uuid)
        if (existing) return existing
        const left = deadline - Date.now()
        if (left <= 0) return decideOnce(db, keyRing, uuid, { status: 202, body: asyncProvisionBody(uuid, deps.addon.name) })
        await watch.next((ev) => ev.kind === 'decided', Math.min(left, 250))
      }
    } finally { watch.close() }
  }

  /**
   * Subscribes the add-on to its app's formation and release events (protocol §21.4), so a
   * person's `heroku ps:scale` pauses autoscaling and a deploy holds it. Best effort:
   * Heroku approves api:formation for partners case by case; without it the autoscaler
   * still sees a person's change when it reads the formation.
   */
  async function subscribeWebhooks (uuid: string): Promise<void> {
    if ((await loadApp(db, uuid))?.webhookId) return
    const secret = randomSecret(32)
    try {
      const w = await tokens.call(uuid, (t) => deps.apps.createAddonWebhook(uuid, t, { include: ['api:formation', 'api:release'], level: 'sync', url: `${deps.gatewayPublicUrl}/heroku/webhooks/${uuid}`, secret }))
      await saveApp(db, uuid, { webhookId: w.id, webhookSecretEnc: keyRing.seal(secret, contexts.oauth(uuid, 'webhook')), webhookProblem: null })
      await audit(db.pool, uuid, 'webhook_subscribed', 'ok', { include: w.include })
    } catch (err) {
      await saveApp(db, uuid, { webhookProblem: (err as Error).message.slice(0, 500) })
      await audit(db.pool, uuid, 'webhook_subscribed', 'failed', { reason: (err as Error).message.slice(0, 500) })
    }
  }

  /**
   * The grant exchange, first step of a provision. A grant code works once (RFC 6749
   * §4.1.2): an attempt that exchanged it and died before storing the tokens leaves a code
   * Heroku now refuses. That loss cannot be undone, but it need not fail the add-on: on a
   * retry, a refused grant is recorded as lost and the provision goes on without Platform
   * API tokens (a synchronous provision is complete without them; an asynchronous one fails
   * when it must push its config, saying why). Found by the model-based test (an allocator
   * SIGKILLed mid-provision).
   */
  async function exchangeGrant (ctx: OperationContext, uuid: string): Promise<'exchanged' | 'already' | 'no-grant' | 'lost'> {
    try {
      return await tokens.exchangeGrant(uuid)
    } catch (err) {
      // Only a refused grant on a retry: a wrong client secret or any other refusal still fails.
      const refusedGrant = err instanceof PermanentOperationError && err.cause instanceof PlatformApiError && err.cause.herokuId === 'invalid_grant'
      if (!refusedGrant || ctx.op.attempts <= 1) throw err
      await audit(db.pool, uuid, 'grant_exchanged', 'failed', { result: 'lost', reason: `refused on attempt ${ctx.op.attempts}, after an attempt that may have used it: ${err.message}`.slice(0, 500) })
      return 'lost'
    }
  }

  const provision: OperationHandler = async (ctx) => {
    const uuid = ctx.op.instance_uuid
    // Both steps check their own state (token present, config stored), so a resumed run
    // skips them without a recorded step.
    const grant = await exchangeGrant(ctx, uuid)
    if (grant === 'no-grant') await audit(db.pool, uuid, 'grant_exchanged', 'noop', { result: grant })
    let instance = await load(uuid)
    let out = openResourceOutput(keyRing, uuid, instance.config_enc)
    if (!out) {
      const driver = driverFor(deps.drivers, instance.driver)
      out = await driver.allocate(context(instance, planOf(instance.plan)))
      await storeResourceOutput(db, keyRing, uuid, out, { event: 'allocated', detail: { driver: driver.name, config_vars: Object.keys(out.config) } })
    }
    publishInstanceEvent(deps.nc, { instanceUuid: uuid, operationId: ctx.op.id, kind: 'ready', outcome: 'progress' })
    const decision = await awaitDecision(uuid, instance.created_at)
    if (decision.status === 200) {
      // The gateway marked it provisioned when it answered; this covers a gateway that
      // crashed between deciding and marking. Never resurrects a deprovisioned instance.
      await markProvisioned(db, uuid, 'sync')
      tell(uuid, `${deps.addon.name} is provisioned on the ${instance.plan} plan.`)
      await subscribeWebhooks(uuid)
      return { path: 'sync' }
    }
    // Heroku may deprovision while a provision is still completing: do not push config.
    instance = await load(uuid)
    if (instance.state === 'deprovisioned' || instance.state === 'deprovisioning') {
      await audit(db.pool, uuid, 'provision_abandoned', 'noop', { reason: 'deprovisioned meanwhile' })
      return { abandoned: true }
    }
    if (decision.status !== 202) throw new PermanentOperationError(`the provision was answered ${decision.status}`)
    if (!ctx.done('config_pushed')) {
      await tokens.call(uuid, (t) => deps.platform.updateConfig(uuid, t, out.config))
      await audit(db.pool, uuid, 'config_pushed', 'ok', { config_vars: Object.keys(out.config) })
      await ctx.step('config_pushed')
    }
    await tokens.call(uuid, (t) => deps.platform.markProvisioned(uuid, t))
    await markProvisioned(db, uuid, 'async')
    tell(uuid, `${deps.addon.name} is provisioned on the ${instance.plan} plan.`)
    await subscribeWebhooks(uuid)
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
