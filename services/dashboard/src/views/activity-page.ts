// Activity: the instance's audit log (newest first), as a table a screen reader can walk.
// Audit details never carry secrets (lifecycle/audit.ts), so they are shown as they are.
import { html } from './html.js'
import { formatDate } from './format.js'
import { layout, type SignedIn } from './layout.js'

export interface ActivityEvent { at: Date, event: string, outcome: string, detail: unknown }

const OUTCOME_CLASS: Record<string, string> = { ok: 'status-ok', noop: 'muted', retry: 'status-warn', failed: 'status-bad', refused: 'status-bad' }

function detailText (detail: unknown): string {
  if (!detail || typeof detail !== 'object' || Object.keys(detail).length === 0) return ''
  return Object.entries(detail as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ')
}

export function activityPage (p: { addonName: string, events: ActivityEvent[], signedIn: SignedIn }): string {
  const body = html`
<h1>Activity</h1>
<p>What happened to this add-on, newest first.</p>
${p.events.length === 0
  ? html`<p class="muted">Nothing has been recorded yet.</p>`
  : html`<div class="table-wrap"><table data-activity>
      <caption>Audit log</caption>
      <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Outcome</th><th scope="col">Details</th></tr></thead>
      <tbody>${p.events.map((e) => html`<tr data-event="${e.event}">
        <td><time datetime="${e.at.toISOString()}">${formatDate(e.at)}</time></td>
        <td>${e.event.replace(/_/g, ' ')}</td>
        <td><span class="${OUTCOME_CLASS[e.outcome] ?? ''}">${e.outcome}</span></td>
        <td>${detailText(e.detail)}</td></tr>`)}</tbody></table></div>`}`
  return layout({ title: 'Activity', addonName: p.addonName, page: 'activity', body, signedIn: p.signedIn })
}
