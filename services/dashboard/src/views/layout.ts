// The page shell every dashboard page shares: document head, skip link, header with the
// signed-in user and sign-out form, the add-on navigation and the main landmark.
import { html, type SafeHtml } from './html.js'

export type Section = 'overview' | 'logs' | 'metrics' | 'autoscaling' | 'credentials' | 'activity'

export interface SignedIn {
  uuid: string
  email: string | null
  /** The Heroku app the user came from (the SSO form's `app`), when known. */
  app?: string | null
  csrfToken: string
  section: Section
}

export interface PageInput {
  title: string
  addonName: string
  body: SafeHtml
  /** The page's name for tests and styling (`data-page`). */
  page: string
  /** The error code the page explains, if any (`data-error-code`). */
  errorCode?: string
  signedIn?: SignedIn
  /** Reloads the page after this many seconds (progress pages work without JavaScript). */
  refreshSeconds?: number
  /** Extra stylesheets and scripts of the page (our own /assets URLs only; the CSP allows nothing else). */
  stylesheets?: string[]
  scripts?: string[]
}

const SECTIONS: Array<{ id: Section, label: string, path: string }> = [
  { id: 'overview', label: 'Overview', path: '' },
  { id: 'logs', label: 'Logs', path: '/logs' },
  { id: 'metrics', label: 'Metrics', path: '/metrics' },
  { id: 'autoscaling', label: 'Autoscaling', path: '/autoscaling' },
  { id: 'credentials', label: 'Credentials', path: '/credentials' },
  { id: 'activity', label: 'Activity', path: '/activity' }
]

export function csrfField (token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`
}

/**
 * Heroku's navigation header slot (protocol §10.5): the v1 docs asked add-on dashboards to
 * carry `div#heroku-header` (kensa's SSO check still looks for it), a way back to the
 * app on Heroku. Plain markup: the CSP allows no third-party script such as Boomerang.
 */
function herokuHeader (s: SignedIn): SafeHtml {
  const back = s.app ? `https://dashboard.heroku.com/apps/${encodeURIComponent(s.app)}/resources` : 'https://dashboard.heroku.com/apps'
  return html`<div id="heroku-header" class="heroku-header"><a href="${back}">← Heroku${s.app ? html`: <strong>${s.app}</strong>` : ''}</a></div>
`
}

export function layout (p: PageInput): string {
  const s = p.signedIn
  const who = s
    ? html`<div class="who"><span>Signed in${s.email ? html` as <strong>${s.email}</strong>` : ''}</span>
        <form method="post" action="/dashboard/${s.uuid}/logout">${csrfField(s.csrfToken)}<button type="submit">Sign out</button></form></div>`
    : ''
  const nav = s
    ? html`<nav class="site-nav" aria-label="Add-on sections"><ul>${SECTIONS.map((x) => html`
        <li><a href="/dashboard/${s.uuid}${x.path}"${x.id === s.section ? html` aria-current="page"` : ''}>${x.label}</a></li>`)}
      </ul></nav>`
    : ''
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${p.refreshSeconds ? html`<meta http-equiv="refresh" content="${p.refreshSeconds}">` : ''}
<title>${p.title} · ${p.addonName}</title>
<link rel="stylesheet" href="/assets/dashboard.css">
${(p.stylesheets ?? []).map((href) => html`<link rel="stylesheet" href="${href}">
`)}${(p.scripts ?? []).map((src) => html`<script src="${src}" defer></script>
`)}</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
${s ? herokuHeader(s) : ''}<header class="site-header"><div class="header-row"><p class="brand">${p.addonName}</p>${who}</div></header>
${nav}
<main id="main" tabindex="-1" data-page="${p.page}"${p.errorCode ? html` data-error-code="${p.errorCode}"` : ''}>
${p.body}
</main>
<footer><p>${p.addonName} dashboard. Open it from the Heroku Dashboard or with <code>heroku addons:open</code>.</p></footer>
</body>
</html>
`.value
}
