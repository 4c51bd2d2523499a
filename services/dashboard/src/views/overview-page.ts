// The overview: plan, state, region, creation time, the config var names the add-on set,
// usage against the plan's limits, and the CLI command for moving to each other plan.
import type { AddonDefinition } from '@addonkit/config'
import type { UsageReply } from '@addonkit/contracts'
import { html, type SafeHtml } from './html.js'
import { formatDate, formatNumber, formatPrice, planLimits } from './format.js'
import { instanceTitle, stateBadge, type InstanceView } from './instance-view.js'
import { layout, type SignedIn } from './layout.js'

export interface OverviewInput {
  addon: AddonDefinition
  instance: InstanceView
  configVarNames: string[]
  usage: UsageReply['metrics'] | null
  /** Extra fields Heroku passed through SSO (e.g. issue_no). */
  extras: Array<[string, string]>
  app: string | null
  signedIn: SignedIn
}

function usageSection (usage: OverviewInput['usage']): SafeHtml {
  if (!usage) {
    return html`<div class="panel notice-warn" data-usage="unavailable"><p><strong>Usage unavailable.</strong> Usage figures could not be fetched just now; reload the page to try again. The add-on itself is not affected.</p></div>`
  }
  if (usage.length === 0) return html`<p class="muted" data-usage="none">This plan reports no usage figures.</p>`
  return html`<ul class="usage" data-usage="available">${usage.map((m) => {
    const id = `usage-${m.name.replace(/[^a-z0-9-]/gi, '-')}`
    const unit = m.unit ? ` ${m.unit}` : ''
    if (m.limit === null) return html`<li><span class="usage-label"><strong>${m.label}</strong></span> <span>${formatNumber(m.used)}${unit} (no limit)</span></li>`
    const pct = m.limit > 0 ? Math.round((m.used / m.limit) * 100) : 0
    return html`<li><label for="${id}">${m.label}</label>
      <meter id="${id}" min="0" max="${m.limit}" value="${Math.min(m.used, m.limit)}" low="${m.limit * 0.75}" high="${m.limit * 0.9}" optimum="0">${pct}%</meter>
      <span>${formatNumber(m.used)}${unit} of ${formatNumber(m.limit)}${unit} (${pct}%)</span></li>`
  })}</ul>`
}

export function overviewPage (p: OverviewInput): string {
  const { addon, instance } = p
  const plan = addon.plans.find((x) => x.slug === instance.plan)
  const others = addon.plans.filter((x) => x.slug !== instance.plan)
  const target = instance.name ?? instance.uuid
  const body = html`
<h1>${instanceTitle(instance)}</h1>
${p.extras.length
  ? html`<section class="panel notice" aria-labelledby="extras-heading" data-extras><h2 id="extras-heading">Opened from Heroku with</h2>
      <dl class="facts">${p.extras.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></section>`
  : ''}
<section aria-labelledby="details-heading">
<h2 id="details-heading">Details</h2>
<dl class="facts">
  <dt>Plan</dt><dd>${plan ? html`${plan.name} <span class="muted">(${plan.slug}, ${formatPrice(plan.price_cents_per_month)})</span>` : instance.plan}</dd>
  <dt>State</dt><dd>${stateBadge(instance.state)}</dd>
  <dt>Region</dt><dd>${instance.region}</dd>
  <dt>Created</dt><dd><time datetime="${instance.createdAt.toISOString()}">${formatDate(instance.createdAt)}</time></dd>
  ${p.app ? html`<dt>App</dt><dd>${p.app}</dd>` : ''}
  <dt>Add-on ID</dt><dd><code>${instance.uuid}</code></dd>
</dl>
</section>
<section aria-labelledby="vars-heading">
<h2 id="vars-heading">Config vars</h2>
${p.configVarNames.length
  ? html`<p>This add-on sets these config vars on your app. Their values are on the <a href="/dashboard/${instance.uuid}/credentials">Credentials</a> page.</p>
      <ul data-config-vars>${p.configVarNames.map((n) => html`<li><code>${n}</code></li>`)}</ul>`
  : html`<p class="muted">No config vars yet: they are set when the add-on has been created.</p>`}
</section>
<section aria-labelledby="usage-heading">
<h2 id="usage-heading">Usage</h2>
${plan ? html`<p>Against the limits of the ${plan.name} plan.</p>` : ''}
${usageSection(p.usage)}
${plan ? html`<details><summary>All limits of the ${plan.name} plan</summary><dl class="facts">${planLimits(plan).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></details>` : ''}
</section>
<section aria-labelledby="plans-heading">
<h2 id="plans-heading">Change plan</h2>
${others.length
  ? html`<p>Plan changes are made through Heroku. Run the command shown for the plan you want.</p>
      <ul class="plans">${others.map((o) => html`<li data-plan="${o.slug}">
        <h3>${o.name} <span class="muted">(${formatPrice(o.price_cents_per_month)})</span></h3>
        <dl class="facts">${planLimits(o).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
        <pre><code>heroku addons:upgrade ${target} ${addon.id}:${o.slug}</code></pre></li>`)}</ul>`
  : html`<p class="muted">This add-on has only one plan.</p>`}
</section>`
  return layout({ title: 'Overview', addonName: addon.name, page: 'overview', body, signedIn: p.signedIn })
}
