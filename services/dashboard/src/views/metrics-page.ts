// Metrics: charts of the router lines (requests per minute, responses by status class,
// p50/p95 service time) over the last hour and the last day. The numbers are in the page
// twice: as JSON for the charts (uPlot, drawn by /assets/metrics-charts.js from our own
// assets) and as tables, which are the page without JavaScript and for screen readers.
import { html, SafeHtml } from './html.js'
import { formatNumber } from './format.js'
import { layout, type SignedIn } from './layout.js'
import type { MetricsSeries } from '@addonkit/log-store'

export interface MetricsPageInput {
  addonName: string
  /** null: the add-on has no log store yet. */
  series: MetricsSeries[] | null
  uplot: { script: string, stylesheet: string }
  signedIn: SignedIn
}

export const METRICS_SCRIPT = '/assets/metrics-charts.js'

const CHARTS = [
  { id: 'requests', label: 'Requests per minute' },
  { id: 'status', label: 'Responses by status class' },
  { id: 'service', label: 'Service time, p50 and p95 (ms)' }
] as const

const hhmm = (d: Date) => d.toISOString().slice(11, 16)
const num = (v: number | null) => v === null ? html`<span class="muted">–</span>` : formatNumber(v)

/** The chart data as JSON safe inside a <script type="application/json"> element. */
function chartData (series: MetricsSeries[]): SafeHtml {
  const data = Object.fromEntries(series.map((s) => [s.window.id, {
    t: s.buckets.map((b) => b.start.getTime() / 1000),
    perMinute: s.buckets.map((b) => b.perMinute),
    s2xx: s.buckets.map((b) => b.s2xx),
    s3xx: s.buckets.map((b) => b.s3xx),
    s4xx: s.buckets.map((b) => b.s4xx),
    s5xx: s.buckets.map((b) => b.s5xx),
    p50: s.buckets.map((b) => b.p50),
    p95: s.buckets.map((b) => b.p95)
  }]))
  return new SafeHtml(JSON.stringify(data).replace(/</g, '\\u003c'))
}

function windowSection (s: MetricsSeries): SafeHtml {
  const id = s.window.id
  const total = s.buckets.reduce((n, b) => n + b.requests, 0)
  const errors = s.buckets.reduce((n, b) => n + b.s5xx, 0)
  return html`
<section class="metrics-window" aria-labelledby="w-${id}" data-window="${id}">
<h2 id="w-${id}">${s.window.label}</h2>
<p>${formatNumber(total)} requests, ${formatNumber(errors)} with a 5xx response.</p>
<div class="charts">${CHARTS.map((c) => html`
  <figure class="chart-figure"><figcaption id="c-${id}-${c.id}">${c.label}</figcaption>
  <div class="chart" data-chart="${c.id}" data-window="${id}" role="img" aria-labelledby="c-${id}-${c.id}" aria-describedby="t-${id}"></div></figure>`)}
</div>
<details class="metrics-table" open data-table-of="${id}">
<summary>The numbers as a table</summary>
<div class="table-wrap"><table id="t-${id}" data-metrics="${id}">
<caption>${s.window.label} (UTC)</caption>
<thead><tr><th scope="col">From</th><th scope="col">Requests</th><th scope="col">Per minute</th><th scope="col">2xx</th><th scope="col">3xx</th><th scope="col">4xx</th><th scope="col">5xx</th><th scope="col">p50 ms</th><th scope="col">p95 ms</th></tr></thead>
<tbody>${s.buckets.map((b) => html`<tr${b.requests ? html` data-requests="${b.requests}"` : ''}><th scope="row"><time datetime="${b.start.toISOString()}">${hhmm(b.start)}</time></th><td>${formatNumber(b.requests)}</td><td>${formatNumber(b.perMinute)}</td><td>${formatNumber(b.s2xx)}</td><td>${formatNumber(b.s3xx)}</td><td>${formatNumber(b.s4xx)}</td><td>${formatNumber(b.s5xx)}</td><td>${num(b.p50)}</td><td>${num(b.p95)}</td></tr>`)}</tbody>
</table></div>
</details>
</section>`
}

export function metricsPage (p: MetricsPageInput): string {
  const body = p.series === null
    ? html`<h1>Metrics</h1><p class="panel notice" data-metrics="no-tenant">This add-on has no log store yet. Metrics are built from the Heroku router lines your drain receives.</p>`
    : html`<h1>Metrics</h1>
<p>Built from the <code>heroku[router]</code> lines of your app's log drain. Times are UTC.</p>
<script type="application/json" id="metrics-data">${chartData(p.series)}</script>
${p.series.map(windowSection)}`
  return layout({
    title: 'Metrics', addonName: p.addonName, page: 'metrics', body, signedIn: p.signedIn,
    stylesheets: p.series ? [p.uplot.stylesheet] : [],
    scripts: p.series ? [p.uplot.script, METRICS_SCRIPT] : []
  })
}
