// Credentials: the config var names, their values only after a confirming POST, and
// credential rotation with the progress and result of the latest rotation. While a
// rotation runs the page reloads itself (a meta refresh: no JavaScript needed).
import { html, type SafeHtml } from './html.js'
import { formatDate } from './format.js'
import { layout, csrfField, type SignedIn } from './layout.js'
import type { InstanceView } from './instance-view.js'

export interface RotationView {
  id: string
  status: 'pending' | 'running' | 'succeeded' | 'failed'
  attempts: number
  lastError: string | null
  createdAt: Date
  finishedAt: Date | null
}

export type CredentialsNotice = 'rotation-requested' | 'rotation-already-running' | 'rotation-unavailable'

export interface CredentialsInput {
  addonName: string
  instance: InstanceView
  configVarNames: string[]
  /** Set only on the answer to the reveal POST. */
  values: Record<string, string> | null
  rotation: RotationView | null
  notice?: CredentialsNotice
  signedIn: SignedIn
}

export const rotationInProgress = (r: RotationView | null) => r !== null && (r.status === 'pending' || r.status === 'running')

function rotationStatus (r: RotationView | null, notice?: CredentialsNotice): SafeHtml {
  const notices: SafeHtml[] = []
  if (notice === 'rotation-already-running') notices.push(html`<div class="panel notice" role="status"><p>A rotation is already in progress; no second one was started.</p></div>`)
  if (notice === 'rotation-unavailable') notices.push(html`<div class="panel notice-warn" role="status"><p>Credentials can be rotated only while the add-on is available.</p></div>`)
  if (!r) return html`${notices}`
  const at = html`<time datetime="${r.createdAt.toISOString()}">${formatDate(r.createdAt)}</time>`
  if (rotationInProgress(r)) {
    return html`${notices}<div class="panel notice" role="status" data-rotation="in-progress">
      <p><strong>Rotation in progress</strong> (requested ${at}).${r.attempts > 1 || r.lastError ? ' A temporary error occurred; it is being retried.' : ''}</p>
      <p>New credentials are being issued and sent to Heroku, which then restarts your app with them. This page updates by itself.</p></div>`
  }
  if (r.status === 'succeeded') {
    return html`${notices}<div class="panel notice-ok" role="status" data-rotation="succeeded">
      <p><strong>Credentials rotated</strong>${r.finishedAt ? html` at <time datetime="${r.finishedAt.toISOString()}">${formatDate(r.finishedAt)}</time>` : ''}.</p>
      <p>Heroku has the new values and restarts your app with them. The previous credentials keep working for a short grace period.</p></div>`
  }
  return html`${notices}<div class="panel notice-bad" role="status" data-rotation="failed">
    <p><strong>The rotation requested ${at} failed.</strong> Your current credentials still work.</p>
    <p>Try again below. If it fails again, contact support and quote operation <code>${r.id}</code>.</p></div>`
}

export function credentialsPage (p: CredentialsInput): string {
  const { instance, signedIn } = p
  const base = `/dashboard/${instance.uuid}/credentials`
  const running = rotationInProgress(p.rotation)
  const body = html`
<h1>Credentials</h1>
${rotationStatus(p.rotation, p.notice)}
<section aria-labelledby="values-heading">
<h2 id="values-heading">Config vars</h2>
${p.configVarNames.length === 0
  ? html`<p class="muted">No config vars yet: they are set when the add-on has been created.</p>`
  : html`<div class="table-wrap"><table data-credentials="${p.values ? 'revealed' : 'hidden'}">
      <caption>Config vars set on your app</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
      <tbody>${p.configVarNames.map((n) => html`<tr><th scope="row"><code>${n}</code></th><td>${p.values
        ? html`<code data-value-of="${n}">${p.values[n] ?? ''}</code>`
        : html`<span class="muted">Hidden</span>`}</td></tr>`)}</tbody></table></div>
    ${p.values
      ? html`<p>These values are secrets: anyone who has them can use your add-on. <a href="${base}">Hide values</a></p>`
      : html`<form method="post" action="${base}/reveal" class="stack">${csrfField(signedIn.csrfToken)}
          <p>Values are secrets. Show them only where nobody else can see your screen.</p>
          <button type="submit" class="secondary">Show values</button></form>`}`}
</section>
<section aria-labelledby="rotate-heading">
<h2 id="rotate-heading">Rotate credentials</h2>
<p>Rotation issues new credentials and sends them to Heroku, which restarts your app with them. Use it if the values may have leaked.</p>
${instance.state !== 'provisioned'
  ? html`<p class="muted">Credentials can be rotated once the add-on is available.</p>`
  : running
    ? html`<p class="muted">A rotation is in progress.</p>`
    : html`<form method="post" action="${base}/rotate" class="stack">${csrfField(signedIn.csrfToken)}
        <button type="submit" class="danger">Rotate credentials</button></form>`}
</section>`
  return layout({ title: 'Credentials', addonName: p.addonName, page: 'credentials', body, signedIn, refreshSeconds: running ? 2 : undefined })
}
