// The Autoscaling page of an add-on, under /dashboard/:uuid/autoscaling:
//   GET  /:uuid/autoscaling                              status, process types, charts, history
//   POST /:uuid/autoscaling/policies                     add a process type with a policy
//   POST /:uuid/autoscaling/policies/:type               save a process type's settings
//   POST /:uuid/autoscaling/policies/:type/remove        stop autoscaling it
//   POST /:uuid/autoscaling/connect                      start "Connect Heroku account" (303 to Heroku)
//   POST /:uuid/autoscaling/disconnect                   forget the connected account
// Registered inside dashboard.ts, whose preHandler has checked the session; every POST
// checks the CSRF token first. A refused save re-renders the page with 400 and the reasons,
// and changes nothing; the others redirect back (303) with a notice. Heroku's answer to
// the connection comes back to routes/oauth-callback.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { PROCESS_TYPE } from '@addonkit/autoscale'
import { deletePolicy, loadPolicies, savePolicy } from '@addonkit/lifecycle'
import { NotFound, OAuthNotConfigured } from '../errors.js'
import { assertCsrf } from '../sessions/csrf.js'
import { authorizeUrl, disconnectAccount, type OAuthClientSettings } from '../autoscaling/heroku-account.js'
import { OAUTH_CALLBACK_PATH, startOAuthState } from '../autoscaling/oauth-state.js'
import { loadAutoscaling } from '../autoscaling/page-data.js'
import { newPolicy, policyFromForm, processTypeProblem, type FormBody, type PolicyFormState } from '../autoscaling/policy-form.js'
import { autoscalingPage, type AutoscalingNotice } from '../views/autoscaling-page.js'
import { sendPage } from './html-errors.js'
import { signedInAs, type SignedInRequest } from './signed-in.js'
import { UPLOT_ASSETS } from './assets.js'
import { AutoscalingQuery, CsrfForm, HtmlPage, InstanceParams, PolicyForm, ProcessTypeParams, Redirect } from './schemas.js'

export interface AutoscalingRoutesOptions {
  addonName: string
  oauth: OAuthClientSettings
}

const NOTICES: AutoscalingNotice[] = ['saved', 'added', 'removed', 'not-found', 'connected', 'disconnected', 'access-denied', 'oauth-failed']
const pages = { 200: HtmlPage, 400: HtmlPage, 403: HtmlPage, 404: HtmlPage, 410: HtmlPage }
const posts = { 303: Redirect, ...pages }

export default async function autoscalingRoutes (fastify: FastifyInstance, opts: AutoscalingRoutesOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const ctx = (req: FastifyRequest): SignedInRequest => req.signedIn!
  const pageUrl = (uuid: string) => `/dashboard/${uuid}/autoscaling`

  function back (reply: FastifyReply, uuid: string, notice: AutoscalingNotice, processType?: string) {
    const q = new URLSearchParams({ notice, ...(processType ? { type: processType } : {}) })
    // Back at the process type's section, while it still has one.
    const at = processType && (notice === 'saved' || notice === 'added') ? `#type-${processType}` : ''
    return reply.redirect(`${pageUrl(uuid)}?${q.toString()}${at}`, 303)
  }

  async function render (reply: FastifyReply, s: SignedInRequest, status: 200 | 400, extra: Pick<Parameters<typeof autoscalingPage>[0], 'notice' | 'failed'>) {
    const now = new Date()
    const data = await loadAutoscaling(app.db, s.instance.uuid, now)
    return sendPage(reply, status, autoscalingPage({
      addonName: opts.addonName, uuid: s.instance.uuid, signedIn: signedInAs(s, 'autoscaling'),
      app: data.app, account: data.account, oauthConfigured: opts.oauth.client !== null,
      types: data.types, decisions: data.decisions, uplot: UPLOT_ASSETS, now, ...extra
    }))
  }

  const refused = (reply: FastifyReply, s: SignedInRequest, processType: string | null, form: PolicyFormState) =>
    render(reply, s, 400, { failed: { processType, form } })

  app.get('/:uuid/autoscaling', { schema: { params: InstanceParams, querystring: AutoscalingQuery, response: pages } }, async (req, reply) => {
    const kind = NOTICES.find((n) => n === req.query.notice)
    const type = req.query.type && PROCESS_TYPE.test(req.query.type) ? req.query.type : undefined
    return render(reply, ctx(req), 200, { notice: kind ? { kind, processType: type } : undefined })
  })

  app.post('/:uuid/autoscaling/policies', { schema: { params: InstanceParams, body: PolicyForm, response: posts } }, async (req, reply) => {
    const s = ctx(req)
    assertCsrf(s.session, req.body._csrf)
    const uuid = s.instance.uuid
    const type = (req.body.process_type ?? '').trim()
    const problem = processTypeProblem(type, (await loadPolicies(app.db, uuid)).map((p) => p.processType))
    const r = policyFromForm(req.body as FormBody, newPolicy())
    if (problem || !r.policy) {
      const errors = [...(problem ? [{ field: 'process_type', reason: problem }] : []), ...r.errors]
      return refused(reply, s, null, { values: { ...r.values, process_type: type }, errors })
    }
    await savePolicy(app.db, uuid, type, r.policy, 'dashboard')
    req.log.info({ instanceUuid: uuid, processType: type }, 'autoscaling policy added')
    return back(reply, uuid, 'added', type)
  })

  app.post('/:uuid/autoscaling/policies/:type', { schema: { params: ProcessTypeParams, body: PolicyForm, response: posts } }, async (req, reply) => {
    const s = ctx(req)
    assertCsrf(s.session, req.body._csrf)
    const uuid = s.instance.uuid
    const type = req.params.type
    if (!PROCESS_TYPE.test(type)) throw new NotFound('There is no such process type.')
    const saved = (await loadPolicies(app.db, uuid)).find((p) => p.processType === type)?.policy ?? null
    const r = policyFromForm(req.body as FormBody, saved ?? newPolicy())
    if (!r.policy) return refused(reply, s, type, { values: r.values, errors: r.errors })
    await savePolicy(app.db, uuid, type, r.policy, 'dashboard')
    req.log.info({ instanceUuid: uuid, processType: type, enabled: r.policy.enabled }, 'autoscaling policy saved')
    return back(reply, uuid, saved ? 'saved' : 'added', type)
  })

  app.post('/:uuid/autoscaling/policies/:type/remove', { schema: { params: ProcessTypeParams, body: CsrfForm, response: posts } }, async (req, reply) => {
    const s = ctx(req)
    assertCsrf(s.session, req.body._csrf)
    const type = req.params.type
    const removed = PROCESS_TYPE.test(type) && await deletePolicy(app.db, s.instance.uuid, type, 'dashboard')
    return back(reply, s.instance.uuid, removed ? 'removed' : 'not-found', PROCESS_TYPE.test(type) ? type : undefined)
  })

  app.post('/:uuid/autoscaling/connect', { schema: { params: InstanceParams, body: CsrfForm, response: posts } }, async (req, reply) => {
    const s = ctx(req)
    assertCsrf(s.session, req.body._csrf)
    const client = opts.oauth.client
    if (!client) throw new OAuthNotConfigured()
    const state = startOAuthState(reply, s.instance.uuid, s.sessionId)
    req.log.info({ instanceUuid: s.instance.uuid }, 'connecting a Heroku account: sent to Heroku to approve')
    return reply.redirect(authorizeUrl(opts.oauth, client.id, state, `${opts.oauth.publicUrl}${OAUTH_CALLBACK_PATH}`), 303)
  })

  app.post('/:uuid/autoscaling/disconnect', { schema: { params: InstanceParams, body: CsrfForm, response: posts } }, async (req, reply) => {
    const s = ctx(req)
    assertCsrf(s.session, req.body._csrf)
    await disconnectAccount(app.db, s.instance.uuid, s.session.email)
    return back(reply, s.instance.uuid, 'disconnected')
  })
}
