// Pages that explain why something was refused and what to do next: failed SSO, a
// required sign-in, a form without its CSRF token, too many attempts, and plain errors.
// None shows internals; each tells the customer how to get back in.
import { html, type SafeHtml } from './html.js'
import { layout } from './layout.js'

export interface AddonLabels {
  /** Display name, e.g. "Addonkit Logs". */
  name: string
  /** Manifest id, e.g. "addonkit" (what `heroku addons:open` accepts). */
  id: string
}

function reopenSteps (addon: AddonLabels, app?: string): SafeHtml {
  const appArg = app && /^[a-z0-9][a-z0-9-]{0,99}$/.test(app) ? app : 'YOUR-APP'
  return html`<h2>What to do</h2>
<ol>
  <li>Open the add-on again from the Heroku Dashboard: go to your app's <strong>Resources</strong> tab and click <strong>${addon.name}</strong>.</li>
  <li>Or, from a terminal, run <code>heroku addons:open ${addon.id} --app ${appArg}</code> (use the add-on's name instead of <code>${addon.id}</code> if the app has more than one).</li>
</ol>
<p class="muted">Each sign-in from Heroku can be used once and only for a few minutes, so bookmarks and the browser's back button cannot sign you in again.</p>`
}

interface MessageInput { addon: AddonLabels, title: string, errorCode?: string, page: string, body: SafeHtml }

function messagePage (m: MessageInput): string {
  return layout({ title: m.title, addonName: m.addon.name, page: m.page, errorCode: m.errorCode, body: html`<h1>${m.title}</h1>${m.body}` })
}

export function ssoFailedPage (addon: AddonLabels, reason: string, code: string, app?: string): string {
  return messagePage({
    addon, title: 'Sign-in failed', page: 'sso-failed', errorCode: code,
    body: html`<div class="panel notice-bad"><p>${reason}</p></div>${reopenSteps(addon, app)}`
  })
}

export function rateLimitedPage (addon: AddonLabels, retryAfterSeconds: number, code: string): string {
  return messagePage({
    addon, title: 'Too many sign-in attempts', page: 'rate-limited', errorCode: code,
    body: html`<div class="panel notice-warn"><p>There were too many failed sign-in attempts from your network. Wait ${Math.max(1, Math.ceil(retryAfterSeconds / 60))} minute(s), then try again.</p></div>${reopenSteps(addon)}`
  })
}

export function loginRequiredPage (addon: AddonLabels, code: string): string {
  return messagePage({
    addon, title: 'Sign-in required', page: 'login-required', errorCode: code,
    body: html`<div class="panel notice"><p>You are not signed in to this add-on, or your session has ended. Sessions end after 30 minutes without activity and 12 hours after signing in.</p></div>${reopenSteps(addon)}`
  })
}

export function csrfFailedPage (addon: AddonLabels, code: string): string {
  return messagePage({
    addon, title: 'Form refused', page: 'csrf-failed', errorCode: code,
    body: html`<div class="panel notice-bad"><p>This form was not accepted: it is missing its security token or did not come from this dashboard. Nothing was changed.</p></div>
<p>Go back, reload the page and submit the form again. If this keeps happening, sign in again from Heroku.</p>`
  })
}

export function oauthRefusedPage (addon: AddonLabels, code: string): string {
  return messagePage({
    addon, title: 'Connection refused', page: 'oauth-refused', errorCode: code,
    body: html`<div class="panel notice-bad"><p>This answer from Heroku does not belong to a connection started from this browser in the last 10 minutes, or it has been used already. No Heroku account was connected.</p></div>
<p>Open the add-on's dashboard from Heroku, go to <strong>Autoscaling</strong> and use <strong>Connect Heroku account</strong> again.</p>${reopenSteps(addon)}`
  })
}

export function signedOutPage (addon: AddonLabels): string {
  return messagePage({
    addon, title: 'Signed out', page: 'signed-out',
    body: html`<div class="panel notice-ok"><p>You have signed out of this add-on's dashboard.</p></div>${reopenSteps(addon)}`
  })
}

export function homePage (addon: AddonLabels): string {
  return messagePage({
    addon, title: `${addon.name} dashboard`, page: 'home',
    body: html`<p>This dashboard opens from Heroku, which signs you in to one add-on at a time.</p>${reopenSteps(addon)}`
  })
}

export function errorPage (addon: AddonLabels, status: number, message: string, code: string, requestId: string): string {
  const title = status === 404 ? 'Page not found' : status === 410 ? 'Add-on not available' : status >= 500 ? 'Something went wrong' : 'Request not accepted'
  return messagePage({
    addon, title, page: 'error', errorCode: code,
    body: html`<div class="panel notice-bad"><p>${message}</p></div>
${status === 410
  ? html`<p>Check the add-on in your app's <strong>Resources</strong> tab on the Heroku Dashboard. If you think this is a mistake, contact support and quote request <code>${requestId}</code>.</p>`
  : html`<p>Go back and try again. If the problem continues, contact support and quote request <code>${requestId}</code>.</p>`}`
  })
}
