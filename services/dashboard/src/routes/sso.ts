// SSO entry points (protocol §10): POST /sso/login, the cross-site form Heroku's page submits
// (no Basic auth, no CSRF token: it cannot carry one), and the legacy v1
// GET /heroku/resources/:id. Both answer 303 to the dashboard or a 403 page.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ssoLogin, type SsoLoginDeps } from '../sso/sso-login.js'
import { extraParams, ssoFields, type RawFields } from '../sso/sso-params.js'
import { HtmlPage, LandingQuery, LegacySsoParams, LegacySsoQuery, Redirect, SsoForm } from './schemas.js'

const responses = { 303: Redirect, 403: HtmlPage, 429: HtmlPage }

export default async function ssoRoutes (fastify: FastifyInstance, deps: SsoLoginDeps) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.post('/sso/login', {
    bodyLimit: 64 * 1024,
    attachValidation: true,
    schema: { body: SsoForm, querystring: LandingQuery, response: responses }
  }, async (req, reply) => {
    const body = (req.body ?? {}) as RawFields
    const query = (req.query ?? {}) as RawFields
    const location = await ssoLogin(deps, {
      params: req.validationError ? null : ssoFields(body),
      extras: extraParams(body, query),
      ip: req.ip,
      via: 'post',
      log: req.log
    }, reply)
    return reply.redirect(location, 303)
  })

  app.get('/heroku/resources/:id', {
    attachValidation: true,
    schema: { params: LegacySsoParams, querystring: LegacySsoQuery, response: responses }
  }, async (req, reply) => {
    const query = (req.query ?? {}) as RawFields
    const fields = req.validationError ? null : ssoFields(query)
    // v1 carries the provider id in the path and only the legacy token (protocol §10.6).
    const params = fields && { id: req.params.id, timestamp: fields.timestamp, token: fields.token, email: fields.email, app: fields.app, 'nav-data': fields['nav-data'] }
    const location = await ssoLogin(deps, { params, extras: extraParams(query), ip: req.ip, via: 'legacy-get', log: req.log }, reply)
    return reply.redirect(location, 303)
  })
}
