// The allocator: runs the lifecycle outbox through resource drivers, autoscales the apps
// whose add-on has a policy, answers plan checks and usage requests over NATS, and serves
// only health over HTTP.
import type { FastifyInstance } from 'fastify'
import { connectionsFrom, createBaseApp } from '@addonkit/service-kit'
import { decode, encode, PlanCheckReply, PlanCheckRequest, UsageReply, UsageRequest, queueGroups, subjects } from '@addonkit/contracts'
import { findPlan } from '@addonkit/config'
import type { Static, TSchema } from '@sinclair/typebox'
import { KeyRing } from '@addonkit/secrets'
import { failProvisioning, noteFailure } from '@addonkit/lifecycle'
import { createAppClient, createPlatformClient, type CallObserver, type PlatformClient } from '@addonkit/platform-api'
import type { AllocatorConfig } from './config.js'
import { defaultDrivers, driverFor, type DriverRegistry } from './drivers/registry.js'
import type { DriverContext } from './drivers/driver.js'
import { PermanentDriverError } from './drivers/driver.js'
import { createPostgresDriver } from './drivers/postgres-driver.js'
import { appLogNotifier } from './app-log-notifier.js'
import type { QuotaEnforcer } from './drivers/postgres-enforcer.js'
import { createHandlers } from './operations/handlers.js'
import { OperationRunner, PermanentOperationError, type RunnerOptions } from './operations/runner.js'
import { PlatformTokens } from './platform-tokens.js'
import { tracedPlatformClient } from './traced-platform-client.js'
import { AppAccess } from './autoscale/app-access.js'
import { Autoscaler, type AutoscaleDecisionKind } from './autoscale/autoscaler.js'
import { UserTokens } from './autoscale/user-tokens.js'

export interface AllocatorOptions {
  logStream?: NodeJS.WritableStream
  drivers?: DriverRegistry
  platform?: PlatformClient
}

declare module 'fastify' {
  interface FastifyInstance {
    runner: OperationRunner
    autoscaler: Autoscaler
  }
}

export async function buildApp (config: AllocatorConfig, opts: AllocatorOptions = {}): Promise<FastifyInstance> {
  const app = await createBaseApp({
    name: 'allocator',
    errorPrefix: 'ALLOC',
    ...connectionsFrom(config),
    logStream: opts.logStream,
    dbPoolSize: 20
  })
  const keyRing = new KeyRing(config.encryptionKeys)
  // The postgres driver exists only where a resource cluster is configured.
  const notify = appLogNotifier(app.db, keyRing, config.addon)
  const postgres = !opts.drivers && config.resourcePgAdminUrl ? createPostgresDriver({ adminUrl: config.resourcePgAdminUrl, notify }) : null
  const drivers = opts.drivers ?? defaultDrivers(postgres ? [postgres] : [])
  const observe = platformApiMetrics(app)
  const platform = tracedPlatformClient(opts.platform ?? createPlatformClient({ apiUrl: config.herokuApiUrl, idUrl: config.herokuIdUrl, clientSecret: config.herokuClientSecret, userAgent: `addonkit-allocator (${config.addon.id})`, observe }), config.herokuApiUrl, config.herokuIdUrl)
  const { db, nats } = app
  const tokens = new PlatformTokens(db, keyRing, platform)
  const apps = createAppClient({ apiUrl: config.herokuApiUrl, idUrl: config.herokuIdUrl, clientSecret: config.herokuClientSecret, userAgent: `${config.addon.name} autoscaling (addonkit; ${config.addon.id})`, maxAttempts: 3, observe })
  // A connected user's tokens are refreshed with the OAuth client they were issued to.
  const userClient = config.herokuOauthClient ? createPlatformClient({ apiUrl: config.herokuApiUrl, idUrl: config.herokuIdUrl, clientSecret: config.herokuOauthClient.secret, userAgent: `addonkit-allocator (${config.addon.id})`, observe }) : null
  const users = new UserTokens(db, keyRing, userClient, config.herokuOauthClient?.id ?? null)
  const access = new AppAccess({ db, apps, partner: tokens, users, rateShare: config.autoscaleRateShare })

  const runner = new OperationRunner({
    db,
    nc: nats,
    log: app.log,
    leaseMs: config.operationLeaseMs,
    sweepMs: config.operationSweepMs,
    maxAttempts: config.operationMaxAttempts,
    isPermanent: (err) => err instanceof PermanentOperationError || err instanceof PermanentDriverError,
    observe: operationMetrics(app),
    handlers: createHandlers({ db, nc: nats, keyRing, addon: config.addon, drivers, platform, drainPublicUrl: config.drainPublicUrl, credentialGraceSeconds: config.credentialGraceSeconds, syncBudgetMs: config.syncBudgetMs, notify, tokens, access, users, apps, gatewayPublicUrl: config.gatewayPublicUrl }),
    async onFailed (op, reason) {
      if (op.kind === 'provision') await failProvisioning(db, op.instance_uuid, reason)
      // A scale that failed is the decision's outcome (autoscale_decisions), not the add-on's.
      else if (op.kind === 'scale') {
        const id = (op.params as { decision_id?: string }).decision_id
        if (id) await db.prisma.autoscaleDecision.updateMany({ where: { id: BigInt(id), outcome: 'pending' }, data: { outcome: 'failed', error: reason.slice(0, 1000) } })
      } else await noteFailure(db, op.instance_uuid, `${op.kind}: ${reason}`)
    }
  })
  app.decorate('runner', runner)
  const autoscaler = new Autoscaler({ db, nc: nats, log: app.log, access, tickMs: config.autoscaleTickMs, wakeOnWindows: config.autoscaleWakeOnWindows, kick: (id) => runner.kick(id), observe: autoscalerMetrics(app) })
  app.decorate('autoscaler', autoscaler)

  async function driverContext (uuid: string): Promise<DriverContext | null> {
    const instance = await db.prisma.instance.findUnique({ where: { uuid } })
    const plan = instance && findPlan(config.addon, instance.plan)
    if (!instance || !plan) return null
    return {
      instance: { uuid, plan: instance.plan, region: instance.region, options: instance.options as Record<string, unknown>, logDrainToken: instance.logDrainToken },
      plan, addon: config.addon, db, keyRing, drainPublicUrl: config.drainPublicUrl, credentialGraceSeconds: config.credentialGraceSeconds
    }
  }

  // Request/reply for the gateway (plan checks) and the dashboard (usage): one queue-group
  // subscription each; a handler that throws answers with its fallback instead.
  function serve<Q extends TSchema, R extends TSchema> (subject: string, req: Q, res: R, handle: (q: Static<Q>) => Promise<Static<R>>, fallback: (err: Error) => Static<R>) {
    return nats.subscribe(subject, {
      queue: queueGroups.allocator,
      callback: (err, msg) => {
        if (err) return
        void (async () => {
          let reply: Static<R>
          try { reply = await handle(decode(req, msg.data)) } catch (e) {
            app.log.error({ err: e, subject }, 'request failed')
            reply = fallback(e as Error)
          }
          msg.respond(encode(res, reply))
        })()
      }
    })
  }
  const subs = [
    serve(subjects.planCheck, PlanCheckRequest, PlanCheckReply, async (req) => {
      const ctx = await driverContext(req.instanceUuid)
      const to = findPlan(config.addon, req.plan)
      if (!ctx || !to) return { allowed: false, reason: 'Unknown add-on or plan.' }
      if (to.driver !== ctx.plan.driver) return { allowed: false, reason: `The ${to.name} plan provides a different kind of resource than ${ctx.plan.name}; create a new add-on instead.` }
      return driverFor(drivers, ctx.plan.driver).checkPlanChange(ctx, to)
    }, () => ({ allowed: false, reason: 'The plan change could not be checked right now; please try again.' })),
    serve(subjects.usage, UsageRequest, UsageReply, async (req) => {
      const ctx = await driverContext(req.instanceUuid)
      return ctx ? { metrics: await driverFor(drivers, ctx.plan.driver).usage(ctx) } : { metrics: [], error: 'unknown instance' }
    }, (e) => ({ metrics: [], error: e.message }))
  ]

  let enforcer: QuotaEnforcer | undefined
  app.addHook('onReady', async () => {
    runner.start()
    autoscaler.start()
    if (postgres) enforcer = postgres.startQuotaEnforcer({ db, log: app.log })
  })
  // Runs before the NATS and database plugins close (hooks run in reverse order).
  app.addHook('onClose', async () => {
    for (const s of subs) { try { s.unsubscribe() } catch {} }
    await autoscaler.stop()
    await runner.stop()
    await enforcer?.stop()
    await postgres?.close()
  })
  return app
}

/** Platform API calls by endpoint and status, and the last RateLimit-Remaining Heroku sent. */
function platformApiMetrics (app: FastifyInstance): CallObserver {
  const calls = app.metrics.counter({
    name: 'addonkit_platform_api_requests_total',
    help: 'Attempts of Platform API and OAuth calls to Heroku, by endpoint template, method and HTTP status (error: no answer).',
    labelNames: ['endpoint', 'method', 'status']
  })
  const remaining = app.metrics.gauge({ name: 'addonkit_platform_api_ratelimit_remaining', help: 'The RateLimit-Remaining of the last Platform API answer that carried one.' })
  return (a) => {
    calls.inc({ endpoint: a.endpoint, method: a.method, status: String(a.status) })
    if (a.rateLimitRemaining !== undefined) remaining.set(a.rateLimitRemaining)
  }
}

/** Operations by kind and outcome, and how long each took from enqueued to done. */
function operationMetrics (app: FastifyInstance): NonNullable<RunnerOptions['observe']> {
  const outcomes = app.metrics.counter({
    name: 'addonkit_operations_total',
    help: 'Operation attempts by kind and outcome: succeeded, failed (for good), retried (will run again).',
    labelNames: ['kind', 'outcome']
  })
  const duration = app.metrics.histogram({
    name: 'addonkit_operation_duration_seconds',
    help: 'Time from an operation being enqueued to it succeeding or failing for good, by kind.',
    labelNames: ['kind'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]
  })
  return (kind, outcome, seconds) => {
    outcomes.inc({ kind, outcome })
    if (outcome !== 'retried') duration.observe({ kind }, seconds)
  }
}

function autoscalerMetrics (app: FastifyInstance): (d: AutoscaleDecisionKind) => void {
  const decisions = app.metrics.counter({
    name: 'addonkit_autoscaler_decisions_total',
    help: 'Autoscaler evaluations by decision: scale_up, scale_down, hold (a change wanted but not made now), none, blocked (Heroku could not be asked: rate limit, no authorization, a failure).',
    labelNames: ['decision']
  })
  return (d) => decisions.inc({ decision: d })
}
