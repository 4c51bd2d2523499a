// Everything a browser reaches, in one encapsulated context: HTML error pages, security
// headers, the SSO entry points, the dashboard pages, Heroku's OAuth callback, the
// stylesheet and a home page.
import type { FastifyInstance } from 'fastify'
import type { AddonDefinition } from '@addonkit/config'
import type { KeyRing } from '@addonkit/secrets'
import { homePage } from '../views/message-pages.js'
import type { SsoLoginDeps } from '../sso/sso-login.js'
import type { OAuthClientSettings } from '../autoscaling/heroku-account.js'
import { installHtmlErrors, sendPage } from './html-errors.js'
import { HtmlPage } from './schemas.js'
import assetRoutes from './assets.js'
import dashboardRoutes from './dashboard.js'
import ssoRoutes from './sso.js'
import oauthCallbackRoutes from './oauth-callback.js'

export interface UiOptions {
  addon: AddonDefinition
  keyRing: KeyRing
  sso: SsoLoginDeps
  usageTimeoutMs: number
  tailHeartbeatMs: number
  oauth: OAuthClientSettings
}

// Pages load only their own stylesheet and scripts, connect (live tail) and post only to
// themselves; nothing may frame them. A form's redirect counts as its target for
// form-action (Chromium checks it), so "Connect Heroku account", a POST answered with a 303
// to Heroku's authorize page, needs Heroku's OAuth host there when a client is configured.
function contentSecurityPolicy (oauth: OAuthClientSettings): string {
  const formAction = oauth.client ? `'self' ${new URL(oauth.idUrl).origin}` : "'self'"
  return `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`
}

export default async function uiRoutes (app: FastifyInstance, opts: UiOptions) {
  const labels = { name: opts.addon.name, id: opts.addon.id }
  installHtmlErrors(app, labels)
  const csp = contentSecurityPolicy(opts.oauth)
  const securityHeaders = {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // SSO requests carry tokens (the legacy GET in its URL): never leak them as a referrer.
    'referrer-policy': 'no-referrer'
  }
  // A callback hook (no promise per response).
  app.addHook('onSend', (_req, reply, payload, done) => { reply.headers(securityHeaders); done(null, payload) })
  app.get('/', { schema: { response: { 200: HtmlPage } } }, async (_req, reply) => sendPage(reply, 200, homePage(labels)))
  await app.register(assetRoutes)
  await app.register(ssoRoutes, opts.sso)
  await app.register(dashboardRoutes, { prefix: '/dashboard', addon: opts.addon, keyRing: opts.keyRing, usageTimeoutMs: opts.usageTimeoutMs, tailHeartbeatMs: opts.tailHeartbeatMs, oauth: opts.oauth })
  // Outside the dashboard's session check: the session cookie's path is one add-on's pages.
  await app.register(oauthCallbackRoutes, { keyRing: opts.keyRing, oauth: opts.oauth })
}
