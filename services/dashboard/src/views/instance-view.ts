// What the pages show of an instance, whatever page they are: its display name and state.
import { html, type SafeHtml } from './html.js'

export interface InstanceView {
  uuid: string
  name: string | null
  plan: string
  region: string
  state: string
  createdAt: Date
  provisionedAt: Date | null
}

export function instanceTitle (i: InstanceView): string {
  return i.name ?? `Add-on ${i.uuid}`
}

const STATES: Record<string, { label: string, cls: string }> = {
  provisioned: { label: 'Available', cls: 'status-ok' },
  provisioning: { label: 'Being created', cls: 'status-warn' },
  deprovisioning: { label: 'Being removed', cls: 'status-bad' },
  deprovisioned: { label: 'Removed', cls: 'status-bad' },
  failed: { label: 'Failed', cls: 'status-bad' }
}

export function stateBadge (state: string): SafeHtml {
  const s = STATES[state] ?? { label: state, cls: '' }
  return html`<span class="${s.cls}">${s.label}</span> <span class="muted">(${state})</span>`
}
