// Autoscaling: how Addonkit reaches the app (the add-on's own token, a connected Heroku
// account, or a refusal that asks for one), the rate limit last seen and the webhook; per
// process type the formation, the last change and who made it, a chart of the metric
// against the thresholds, and the settings; then the decision history with the reasons.
// Everything works without JavaScript (the chart has its table); times are UTC.
import type { AppRecord, DecisionRecord } from '@addonkit/lifecycle'
import { html, type SafeHtml } from './html.js'
import { formatDateSeconds, formatNumber } from './format.js'
import { csrfField, layout, type SignedIn } from './layout.js'
import { addForm, removeForm, settingsForm, type FormContext } from './autoscaling-form.js'
import { chartEntry, chartJson, chartSection } from './autoscaling-chart.js'
import type { ConnectedAccount } from '../autoscaling/heroku-account.js'
import type { ProcessTypeView } from '../autoscaling/page-data.js'
import { formValues, newPolicy, type PolicyFormState } from '../autoscaling/policy-form.js'
import { METRICS_SCRIPT } from './metrics-page.js'

export type AutoscalingNotice = 'saved' | 'added' | 'removed' | 'not-found' | 'connected' | 'disconnected' | 'access-denied' | 'oauth-failed'

export interface AutoscalingPageInput {
  addonName: string
  uuid: string
  signedIn: SignedIn
  app: AppRecord | null
  account: ConnectedAccount | null
  /** Whether the operator configured a Heroku OAuth client (Connect Heroku account). */
  oauthConfigured: boolean
  types: ProcessTypeView[]
  /** Newest first. */
  decisions: DecisionRecord[]
  notice?: { kind: AutoscalingNotice, processType?: string }
  /** The form a refused POST re-renders: a process type's (its name) or the add form (null). */
  failed?: { processType: string | null, form: PolicyFormState }
  uplot: { script: string, stylesheet: string }
  now: Date
}

const time = (d: Date) => html`<time datetime="${d.toISOString()}">${formatDateSeconds(d)}</time>`
const idOf = (type: string) => `type-${type.replace(/[^-\w]/g, '-')}`

function noticePanel (n: AutoscalingPageInput['notice']): SafeHtml {
  if (!n) return html``
  const t = n.processType ?? 'the process type'
  const panels: Record<AutoscalingNotice, [string, SafeHtml]> = {
    saved: ['notice-ok', html`The autoscaling settings of <strong>${t}</strong> were saved. The autoscaler uses them from its next round.`],
    added: ['notice-ok', html`<strong>${t}</strong> has an autoscaling policy now.`],
    removed: ['notice-ok', html`Autoscaling of <strong>${t}</strong> has stopped; its dynos stay as they are.`],
    'not-found': ['notice-warn', html`<strong>${t}</strong> had no policy to remove.`],
    connected: ['notice-ok', html`Your Heroku account is connected. The autoscaler uses it for formation changes from now on.`],
    disconnected: ['notice-ok', html`The dashboard has forgotten the Heroku account's tokens. Heroku was not told: to revoke the access as well, remove the authorization under <strong>Applications</strong> in your Heroku account settings.`],
    'access-denied': ['notice-warn', html`You did not allow access on Heroku, so no account was connected and nothing changed. To connect one, use <strong>Connect Heroku account</strong> again and choose <strong>Allow</strong>.`],
    'oauth-failed': ['notice-bad', html`Heroku did not complete the connection (its answer could not be used), so no account was connected. Try again; if it keeps failing, contact support.`]
  }
  const [cls, text] = panels[n.kind]
  return html`<div class="panel ${cls}" role="status" data-notice="${n.kind}"><p>${text}</p></div>`
}

function authorization (p: AutoscalingPageInput): SafeHtml {
  const a = p.app?.authorization ?? null
  const connectedNow = p.account ? ' A Heroku account is connected now: the autoscaler uses it for its next change.' : ''
  switch (a) {
    case 'partner': return html`<span class="status-ok">The add-on's own token works</span>: it reads and changes the formation.`
    case 'user': return html`<span class="status-ok">A connected Heroku account</span>: formation changes use its token.`
    case 'needs_user': return html`<span class="status-bad">Heroku refused the add-on's token: connect a Heroku account</span> that can scale this app.${connectedNow}`
    default: return html`<span class="muted">Not checked yet: the autoscaler reads the app's formation once a process type has a policy.</span>`
  }
}

function rateLimit (app: AppRecord | null, now: Date): SafeHtml {
  if (app?.rateLimitedUntil && app.rateLimitedUntil > now) return html`<span class="status-bad">Rate limited until ${time(app.rateLimitedUntil)}</span>: the autoscaler makes no call to Heroku before then.`
  if (app?.rateLimitRemaining !== null && app?.rateLimitRemaining !== undefined) return html`${formatNumber(app.rateLimitRemaining)} Platform API calls left for the account, as last seen (Heroku refills about 75 a minute).`
  return html`<span class="muted">Not seen yet.</span>`
}

function accountBlock (p: AutoscalingPageInput): SafeHtml {
  const base = `/dashboard/${p.uuid}/autoscaling`
  const csrf = p.signedIn.csrfToken
  if (p.account) {
    return html`<div class="panel" data-account="connected">
  <p>A Heroku account is <strong>connected</strong> (since ${time(p.account.connectedAt)}, scope <code>${p.account.scope}</code>). Formation changes are made with it.</p>
  <form method="post" action="${base}/disconnect" class="stack">${csrfField(csrf)}
    <p class="muted">Disconnecting makes the dashboard forget the account's tokens; Heroku is not called, so the authorization stays under <strong>Applications</strong> in your Heroku account settings until you revoke it there (it is revoked when the add-on is removed).</p>
    <button type="submit" class="secondary">Disconnect Heroku account</button></form></div>`
  }
  if (!p.oauthConfigured) {
    return html`<p class="muted" data-account="unconfigured">Connecting a Heroku account is not available: the operator of this add-on has not configured a Heroku OAuth client, so only the add-on's own token is used.</p>`
  }
  const needed = p.app?.authorization === 'needs_user'
  return html`<div class="panel${needed ? ' notice-bad' : ''}" data-account="none">
  <p>${needed
    ? 'Heroku refused the add-on\'s own token for changing the formation. Connect a Heroku account that can scale this app: Heroku asks you to sign in and to allow the "write" scope.'
    : 'If Heroku refuses the add-on\'s own token for changing the formation, connect a Heroku account that can scale this app (Heroku asks you to allow the "write" scope).'}</p>
  <form method="post" action="${base}/connect" class="stack">${csrfField(csrf)}<button type="submit"${needed ? '' : html` class="secondary"`}>Connect Heroku account</button></form></div>`
}

function statusSection (p: AutoscalingPageInput): SafeHtml {
  const app = p.app
  return html`<section aria-labelledby="status-heading" data-autoscaling-status>
<h2 id="status-heading">Status</h2>
<dl class="facts">
  <dt>App</dt><dd>${app?.appName ?? html`<span class="muted">Not read yet</span>`}</dd>
  <dt>Authorization</dt><dd data-authorization="${app?.authorization ?? 'unknown'}">${authorization(p)}</dd>
  <dt>Rate limit</dt><dd data-rate-limit>${rateLimit(app, p.now)}</dd>
  ${app?.webhookProblem
    ? html`<dt>Webhook</dt><dd data-webhook="problem"><span class="status-warn">Heroku's webhook could not be created</span> (${app.webhookProblem}). Changes a person makes to the formation (<code>heroku ps:scale</code>, the Heroku Dashboard) are then seen only when the formation is read.</dd>`
    : app?.webhookId ? html`<dt>Webhook</dt><dd data-webhook="ok">Heroku tells the autoscaler at once when someone changes the formation or deploys.</dd>` : ''}
</dl>
<h3>Heroku account</h3>
${accountBlock(p)}
</section>`
}

function facts (t: ProcessTypeView, now: Date): SafeHtml {
  const s = t.state
  const change = s?.lastChange
  const pausedUntil = change?.by === 'person' && t.policy ? new Date(change.at.getTime() + t.policy.manual_pause_s * 1000) : null
  const last = s?.lastDecision
  return html`<dl class="facts">
  <dt>Autoscaling</dt><dd data-policy-state="${t.policy ? (t.policy.enabled ? 'on' : 'off') : 'none'}">${t.policy
    ? t.policy.enabled
      ? html`<span class="status-ok">On</span>: between ${t.policy.min} and ${t.policy.max} dynos.`
      : html`<span class="status-warn">Off</span>: the decisions below say what it would do; nothing is changed.`
    : html`<span class="muted">No policy: not autoscaled.</span>`}</dd>
  <dt>Formation</dt><dd data-formation>${s && s.quantity !== null
    ? html`<strong>${s.quantity}</strong> dyno${s.quantity === 1 ? '' : 's'}${s.size ? html` of size ${s.size}` : ''}${s.formationAt ? html`, read ${time(s.formationAt)}` : ''}`
    : html`<span class="muted">Not read yet.</span>`}</dd>
  <dt>Last change</dt><dd data-last-change="${change?.by ?? 'none'}">${change
    ? html`${change.from} → ${change.to} by ${change.by === 'person' ? 'a person' : 'the autoscaler'}, ${time(change.at)}.${pausedUntil
      ? pausedUntil > now
        ? html` <span class="status-warn" data-paused-until="${pausedUntil.toISOString()}">A person's change pauses autoscaling until ${time(pausedUntil)}.</span>`
        : html` The pause after it ended ${time(pausedUntil)}.`
      : ''}`
    : html`<span class="muted">None seen.</span>`}</dd>
  ${last ? html`<dt>Last decision</dt><dd data-last-decision>${last.reason} <span class="muted">(${time(last.at)})</span></dd>` : ''}
</dl>`
}

function processTypeSection (p: AutoscalingPageInput, t: ProcessTypeView, chartKey: string): SafeHtml {
  const id = idOf(t.processType)
  const base = `/dashboard/${p.uuid}/autoscaling/policies/${encodeURIComponent(t.processType)}`
  const failed = p.failed && p.failed.processType === t.processType ? p.failed.form : null
  const form: FormContext = {
    csrfToken: p.signedIn.csrfToken,
    idBase: id,
    values: failed?.values ?? formValues(t.policy ?? newPolicy()),
    errors: failed?.errors ?? []
  }
  return html`<section class="process-type" id="${id}" aria-labelledby="${id}-heading" data-process-type="${t.processType}">
<h2 id="${id}-heading"><code>${t.processType}</code> dynos</h2>
${facts(t, p.now)}
${t.series ? html`<h3>Metric, last hour</h3>${chartSection(t.series, chartKey, id)}` : ''}
<h3>Settings</h3>
${settingsForm(form, base, t.processType, t.policy !== null)}
${t.policy ? removeForm(p.signedIn.csrfToken, `${base}/remove`, t.processType) : ''}
</section>`
}

const OUTCOMES: Record<string, [string, string]> = {
  recorded: ['Recorded, not applied', 'muted'],
  pending: ['Pending', 'status-warn'],
  done: ['Done', 'status-ok'],
  failed: ['Failed', 'status-bad'],
  needs_authorization: ['Needs a Heroku account', 'status-bad'],
  rate_limited: ['Rate limited', 'status-warn'],
  skipped: ['Skipped', 'muted']
}

/** What a decision did, or in observe mode (not applied) would have done. */
export function decisionText (d: DecisionRecord): string {
  const dir = d.to > d.from ? 'up' : d.to < d.from ? 'down' : ''
  if (d.action === 'scale') return d.applied ? `Scaled ${dir} ${d.from} → ${d.to}` : `Would have scaled ${dir} ${d.from} → ${d.to}`
  if (d.action === 'hold') return `Held at ${d.from}`
  return `No change (${d.from})`
}

function historySection (p: AutoscalingPageInput): SafeHtml {
  return html`<section aria-labelledby="history-heading">
<h2 id="history-heading">Decision history</h2>
<p>The autoscaler's decisions with their reasons, newest first. When autoscaling is off, a decision says what it would have done.</p>
${p.decisions.length === 0
  ? html`<p class="muted" data-decisions="none">No decision yet.</p>`
  : html`<div class="table-wrap"><table class="decisions" data-decisions>
  <caption>Decisions (UTC)</caption>
  <thead><tr><th scope="col">When</th><th scope="col">Process type</th><th scope="col">Decision</th><th scope="col">Applied</th><th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col">Error</th></tr></thead>
  <tbody>${p.decisions.map((d) => {
    const [outcome, cls] = OUTCOMES[d.outcome] ?? [d.outcome, '']
    return html`<tr data-decision="${d.id}" data-action="${d.action}" data-applied="${String(d.applied)}">
    <td>${time(d.at)}</td><td><code>${d.processType}</code></td><td>${decisionText(d)}</td>
    <td>${d.action !== 'scale' ? html`<span class="muted">–</span>` : d.applied ? 'Yes' : 'No: autoscaling was off'}</td>
    <td><span class="${cls}">${outcome}</span></td>
    <td>${d.reason}</td><td>${d.error ?? html`<span class="muted">–</span>`}</td></tr>`
  })}</tbody></table></div>`}
</section>`
}

export function autoscalingPage (p: AutoscalingPageInput): string {
  const charts: Record<string, Record<string, unknown>> = {}
  const keys = p.types.map((t, i) => {
    const key = `pt-${i}`
    if (t.series && t.series.points.some((x) => x.value !== null || x.marks.length)) charts[key] = chartEntry(t.series)
    return key
  })
  const hasCharts = Object.keys(charts).length > 0
  const addFailed = p.failed && p.failed.processType === null ? p.failed.form : null
  const add: FormContext = {
    csrfToken: p.signedIn.csrfToken,
    idBase: 'add',
    values: addFailed?.values ?? { process_type: '', ...formValues(newPolicy()) },
    errors: addFailed?.errors ?? []
  }
  const body = html`<h1>Autoscaling</h1>
<p>Addonkit changes the number of your app's dynos from the metrics of its log drain, within the bounds you set. Times are UTC.</p>
${noticePanel(p.notice)}
${statusSection(p)}
${hasCharts ? html`<script type="application/json" id="metrics-data">${chartJson(charts)}</script>` : ''}
${p.types.length === 0 ? html`<p class="muted" data-process-types="none">No process type has a policy yet, and the autoscaler has not read the formation. Add one below.</p>` : ''}
${p.types.map((t, i) => processTypeSection(p, t, keys[i]!))}
<section aria-labelledby="add-heading">
<h2 id="add-heading">Add a process type</h2>
<p>Autoscale another process type of your app, such as <code>worker</code>. It starts with the other settings at their defaults; change them once it is added.</p>
${addForm(add, `/dashboard/${p.uuid}/autoscaling/policies`)}
</section>
${historySection(p)}`
  return layout({
    title: 'Autoscaling', addonName: p.addonName, page: 'autoscaling', body, signedIn: p.signedIn,
    stylesheets: hasCharts ? [p.uplot.stylesheet] : [],
    scripts: hasCharts ? [p.uplot.script, METRICS_SCRIPT] : []
  })
}
