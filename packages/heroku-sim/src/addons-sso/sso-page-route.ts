// GET /addons-sso/apps/{app}/addons/{uuid}: what `heroku addons:open` and the Dashboard
// open (the add-on's `web_url`, protocol §10.1). Heroku's SSO host answers with a page whose
// form posts itself to the provider's sso_url; so does the sim, with a fresh timestamp and
// tokens on every load, and the query's custom parameters (`?issue_no=42`) as fields.
// The app segment may be the app's id or name. Unknown or deprovisioned add-ons get 404.
import type { SimState } from '../model/sim-state.js'
import type { SimReply, SimRequest } from '../sim-http.js'
import { buildSsoRequest } from './sso-request.js'

const ROUTE = /^\/addons-sso\/apps\/([^/]+)\/addons\/([^/]+)$/

export function isSsoPagePath (path: string): boolean {
  return ROUTE.test(path)
}

export function handleSsoPage (state: SimState, req: SimRequest, query: URLSearchParams): SimReply {
  const m = ROUTE.exec(req.path)!
  const app = decodeURIComponent(m[1]!)
  const addon = state.addons.get(decodeURIComponent(m[2]!))
  if (req.method !== 'GET') return htmlReply(405, page('Method not allowed', '<p>Use GET.</p>'))
  if (!addon || (addon.app.id !== app && addon.app.name !== app) || addon.state === 'deprovisioned') {
    return htmlReply(404, page('Add-on not found', '<p>There is no such add-on on this app.</p>'))
  }
  const sso = buildSsoRequest(state.options.manifest, state.ssoUrl, addon, { extra: Object.fromEntries(query) })
  const fields = Object.entries(sso.params).map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('\n')
  return htmlReply(200, page(`Opening ${escapeHtml(addon.name)}`, `
<form id="sso" method="post" action="${escapeHtml(sso.action)}">
${fields}
<noscript><button type="submit">Continue to ${escapeHtml(addon.name)}</button></noscript>
</form>
<script>document.getElementById('sso').submit()</script>`))
}

function page (title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body>\n<h1>${title}</h1>\n${body}\n</body></html>\n`
}

function htmlReply (status: number, html: string): SimReply {
  return { status, text: html, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } }
}

function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}
