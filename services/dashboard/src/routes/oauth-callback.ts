// GET /dashboard/oauth/callback: where Heroku sends the browser back after "Connect Heroku
// account" (the redirect URI registered with the OAuth client, one for every add-on). The
// answer's path reads top to bottom: the state must be this browser's, unexpired and unused
// (else the 403 page: it is the flow's CSRF check); the session that started it must still
// be live for that add-on, and the add-on open; Heroku's refusal (error=access_denied) goes
// back to the Autoscaling page with a message; a code is exchanged with the OAuth client's
// secret and the tokens stored sealed (autoscaling/heroku-account.ts), then back with a notice.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { KeyRing } from '@addonkit/secrets'
import { audit } from '@addonkit/lifecycle'
import { Gone, LoginRequired, OAuthNotConfigured, OAuthStateInvalid } from '../errors.js'
import { connectAccount, type OAuthClientSettings } from '../autoscaling/heroku-account.js'
import { clearOAuthState, matchOAuthState, OAUTH_CALLBACK_PATH, usedStateKey } from '../autoscaling/oauth-state.js'
import type { AutoscalingNotice } from '../views/autoscaling-page.js'
import { HtmlPage, OAuthCallbackQuery, Redirect } from './schemas.js'

export interface OAuthCallbackOptions {
  keyRing: KeyRing
  oauth: OAuthClientSettings
}

const OPEN_STATES = new Set(['provisioned', 'provisioning'])

export default async function oauthCallbackRoutes (fastify: FastifyInstance, opts: OAuthCallbackOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onSend', async (_req, reply) => { reply.header('cache-control', 'no-store') })

  app.get(OAUTH_CALLBACK_PATH, {
    schema: { querystring: OAuthCallbackQuery, response: { 303: Redirect, 400: HtmlPage, 403: HtmlPage, 404: HtmlPage, 410: HtmlPage } }
  }, async (req, reply) => {
    const client = opts.oauth.client
    if (!client) throw new OAuthNotConfigured()
    const flow = matchOAuthState(req, req.query.state)
    // The cookie serves one answer, whatever it is.
    clearOAuthState(reply)
    if (!flow) {
      req.log.warn({ oauth: 'state-mismatch', hasState: req.query.state !== undefined }, 'OAuth callback refused: the state is not this browser\'s')
      throw new OAuthStateInvalid()
    }
    if (!await app.ssoNonces.claim({ required: [usedStateKey(flow)], shadow: [] }, new Date(flow.expiresAt))) {
      req.log.warn({ oauth: 'state-replayed', instanceUuid: flow.instanceUuid }, 'OAuth callback refused: the state was used already')
      throw new OAuthStateInvalid()
    }
    const uuid = flow.instanceUuid
    const session = await app.sessions.touchHashed(flow.sessionHash, uuid)
    if (!session) throw new LoginRequired()
    const instance = await app.db.prisma.instance.findUnique({ where: { uuid }, select: { state: true } })
    if (!instance || !OPEN_STATES.has(instance.state)) throw new Gone()

    const back = (notice: AutoscalingNotice) => reply.redirect(`/dashboard/${uuid}/autoscaling?notice=${notice}`, 303)
    if (req.query.error !== undefined) {
      req.log.info({ instanceUuid: uuid, oauthError: req.query.error }, 'Heroku did not authorize the connection')
      return back(req.query.error === 'access_denied' ? 'access-denied' : 'oauth-failed')
    }
    if (!req.query.code) return back('oauth-failed')
    try {
      await connectAccount(app.db, opts.keyRing, { ...opts.oauth, client }, uuid, req.query.code, session.email)
    } catch (err) {
      req.log.warn({ err, instanceUuid: uuid }, 'could not exchange the OAuth code of a Heroku account')
      await audit(app.db.pool, uuid, 'heroku_account_connected', 'failed', { by: session.email, reason: (err as { code?: string }).code ?? 'error' })
      return back('oauth-failed')
    }
    req.log.info({ instanceUuid: uuid }, 'Heroku account connected')
    return back('connected')
  })
}
