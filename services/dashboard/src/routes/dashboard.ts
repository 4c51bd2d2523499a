// The customer dashboard of one add-on, under /dashboard/:uuid: Overview, Logs, Metrics and
// Autoscaling (routes/logs.ts, routes/metrics.ts, routes/autoscaling.ts), Credentials
// (reveal on a confirming POST, rotation) and Activity. Every page needs a live session for
// this add-on; every form needs the session's CSRF token.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AddonDefinition } from '@addonkit/config'
import type { Instance } from '@addonkit/db'
import type { KeyRing } from '@addonkit/secrets'
import { audit, auditTrail, enqueueUnlessUnfinished, openResourceOutput, wakeAllocator } from '@addonkit/lifecycle'
import { Gone, LoginRequired, NotFound } from '../errors.js'
import { assertCsrf } from '../sessions/csrf.js'
import { clearSessionCookie, readSessionCookie } from '../sessions/session-cookie.js'
import { extraParams, type RawFields } from '../sso/sso-params.js'
import { fetchUsage } from '../usage-client.js'
import { activityPage } from '../views/activity-page.js'
import { credentialsPage, type CredentialsNotice, type RotationView } from '../views/credentials-page.js'
import type { InstanceView } from '../views/instance-view.js'
import { errorPage, signedOutPage } from '../views/message-pages.js'
import { overviewPage } from '../views/overview-page.js'
import { sendPage } from './html-errors.js'
import { signedInAs, type SignedInRequest } from './signed-in.js'
import logRoutes from './logs.js'
import metricsRoutes from './metrics.js'
import autoscalingRoutes from './autoscaling.js'
import type { OAuthClientSettings } from '../autoscaling/heroku-account.js'
import { CsrfForm, CredentialsQuery, HtmlPage, InstanceParams, LandingQuery, Redirect } from './schemas.js'

export interface DashboardRoutesOptions {
  addon: AddonDefinition
  keyRing: KeyRing
  usageTimeoutMs: number
  /** How often the live tail sends a keep-alive comment and re-checks the session. */
  tailHeartbeatMs: number
  /** Connect Heroku account on the Autoscaling page. */
  oauth: OAuthClientSettings
}


const OPEN_STATES = new Set(['provisioned', 'provisioning'])
const NOTICES: CredentialsNotice[] = ['rotation-already-running', 'rotation-unavailable']
const pages = { 200: HtmlPage, 400: HtmlPage, 403: HtmlPage, 410: HtmlPage }

export default async function dashboardRoutes (fastify: FastifyInstance, opts: DashboardRoutesOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { addon, keyRing } = opts
  const labels = { name: addon.name, id: addon.id }

  app.decorateRequest('signedIn', null)
  app.addHook('onSend', async (_req, reply) => { reply.header('cache-control', 'no-store') })
  app.setNotFoundHandler((req, reply) => {
    const err = new NotFound('There is no such page in this dashboard.')
    return sendPage(reply, 404, errorPage(labels, 404, err.message, err.code, req.id))
  })

  // The session check: a live session for exactly this add-on, and an add-on still open.
  app.addHook('preHandler', async (req) => {
    if (!req.routeOptions.url) return // the 404 page
    const { uuid } = req.params as { uuid: string }
    const id = readSessionCookie(req)
    const session = id ? await app.sessions.touch(id, uuid) : null
    if (!id || !session) throw new LoginRequired()
    const instance = await app.db.prisma.instance.findUnique({ where: { uuid } })
    if (!instance || !OPEN_STATES.has(instance.state)) {
      await app.sessions.destroy(id)
      throw new Gone()
    }
    req.signedIn = { sessionId: id, session, instance }
  })

  const ctx = (req: FastifyRequest): SignedInRequest => req.signedIn!
  const view = (i: Instance): InstanceView => ({ uuid: i.uuid, name: i.name, plan: i.plan, region: i.region, state: i.state, createdAt: i.createdAt, provisionedAt: i.provisionedAt })
  const who = signedInAs
  const config = (i: Instance) => openResourceOutput(keyRing, i.uuid, i.configEnc)?.config ?? {}

  async function latestRotation (uuid: string): Promise<RotationView | null> {
    const op = await app.db.prisma.operation.findFirst({ where: { instanceUuid: uuid, kind: 'rotate_credentials' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
    return op && { id: op.id, status: op.status, attempts: op.attempts, lastError: op.lastError, createdAt: op.createdAt, finishedAt: op.finishedAt }
  }

  app.get('/:uuid', { schema: { params: InstanceParams, querystring: LandingQuery, response: pages } }, async (req, reply) => {
    const s = ctx(req)
    const usage = await fetchUsage(app.nats, s.instance.uuid, opts.usageTimeoutMs)
    return sendPage(reply, 200, overviewPage({
      addon,
      instance: view(s.instance),
      configVarNames: Object.keys(config(s.instance)),
      usage,
      extras: extraParams(req.query as RawFields),
      app: s.session.app,
      signedIn: who(s, 'overview')
    }))
  })

  app.get('/:uuid/credentials', {
    schema: { params: InstanceParams, querystring: CredentialsQuery, response: pages }
  }, async (req, reply) => {
    const s = ctx(req)
    const notice = NOTICES.find((n) => n === req.query.notice)
    return sendPage(reply, 200, credentialsPage({
      addonName: addon.name, instance: view(s.instance), configVarNames: Object.keys(config(s.instance)), values: null,
      rotation: await latestRotation(s.instance.uuid), notice, signedIn: who(s, 'credentials')
    }))
  })

  app.post('/:uuid/credentials/reveal', { schema: { params: InstanceParams, body: CsrfForm, response: pages } }, async (req, reply) => {
    const s = ctx(req)
    assertCsrf(s.session, req.body._csrf)
    const values = config(s.instance)
    await audit(app.db.pool, s.instance.uuid, 'credentials_revealed', 'ok', { by: s.session.email })
    return sendPage(reply, 200, credentialsPage({
      addonName: addon.name, instance: view(s.instance), configVarNames: Object.keys(values), values,
      rotation: await latestRotation(s.instance.uuid), signedIn: who(s, 'credentials')
    }))
  })

  app.post('/:uuid/credentials/rotate', { schema: { params: InstanceParams, body: CsrfForm, response: { 303: Redirect, ...pages } } }, async (req, reply) => {
    const s = ctx(req)
    assertCsrf(s.session, req.body._csrf)
    const uuid = s.instance.uuid
    const back = (notice?: CredentialsNotice) => reply.redirect(`/dashboard/${uuid}/credentials${notice ? `?notice=${notice}` : ''}`, 303)
    if (s.instance.state !== 'provisioned') return back('rotation-unavailable')
    // One transaction: the outbox row and its audit entry exist together or not at all. The
    // instance row lock makes a double submit start one rotation, not two.
    const op = await enqueueUnlessUnfinished(app.db, uuid, 'rotate_credentials', { source: 'dashboard' }, { event: 'rotation_requested', outcome: 'ok', detail: { by: s.session.email } })
    if (!op) return back('rotation-already-running')
    wakeAllocator(app.nats, op)
    req.log.info({ operationId: op.id, instanceUuid: uuid }, 'credential rotation requested')
    return back()
  })

  app.get('/:uuid/activity', { schema: { params: InstanceParams, response: pages } }, async (req, reply) => {
    const s = ctx(req)
    const events = await auditTrail(app.db.prisma, s.instance.uuid)
    return sendPage(reply, 200, activityPage({ addonName: addon.name, events, signedIn: who(s, 'activity') }))
  })

  app.post('/:uuid/logout', { schema: { params: InstanceParams, body: CsrfForm, response: pages } }, async (req, reply) => {
    const s = ctx(req)
    assertCsrf(s.session, req.body._csrf)
    await app.sessions.destroy(s.sessionId)
    clearSessionCookie(reply, s.instance.uuid)
    return sendPage(reply, 200, signedOutPage(labels))
  })

  await app.register(logRoutes, { addon, heartbeatMs: opts.tailHeartbeatMs })
  await app.register(metricsRoutes, { addonName: addon.name })
  await app.register(autoscalingRoutes, { addonName: addon.name, oauth: opts.oauth })
}
