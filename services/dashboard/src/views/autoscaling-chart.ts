// One process type's chart on the Autoscaling page: the metric per 10-second window over
// the last hour against the two thresholds, scale events marked. Drawn the way the Metrics
// page draws (uPlot from our assets, /assets/metrics-charts.js reading the JSON the page
// embeds, here with the series named in the data); the same numbers are a table and a
// sentence, which is the chart without JavaScript and for screen readers.
import type { MetricName } from '@addonkit/autoscale'
import { html, SafeHtml } from './html.js'
import { formatNumber } from './format.js'
import type { MetricSeries, ScaleMark } from '../autoscaling/metric-series.js'

export const METRIC_LABELS: Record<MetricName, string> = {
  service_p95: 'p95 service time',
  queue_p95: 'p95 queue time',
  requests_per_dyno: 'Requests per minute per dyno',
  load: 'Load average per dyno'
}

const COLORS = { value: '#3b1f8f', above: '#a1162b', below: '#17633a', events: '#7a4a00' }

const hhmmss = (ms: number) => new Date(ms).toISOString().slice(11, 19)

/** A metric value as shown: whole ms and requests, load to two decimals. */
export function metricText (metric: MetricName, v: number): string {
  const unit = metric === 'service_p95' || metric === 'queue_p95' ? ' ms' : metric === 'requests_per_dyno' ? ' rpm/dyno' : ''
  return `${formatNumber(metric === 'load' ? Math.round(v * 100) / 100 : Math.round(v))}${unit}`
}

export function markText (processType: string, m: ScaleMark): string {
  return `${processType} ${m.from} → ${m.to} (${m.by === 'person' ? 'by a person' : 'autoscaler'})`
}

/** The chart's entry in the page's JSON, keyed by `key` (the chart's data-window). */
export function chartEntry (s: MetricSeries): Record<string, unknown> {
  const marked = (i: number) => s.points[i]!.marks
  return {
    t: s.points.map((p) => p.start / 1000),
    value: s.points.map((p) => p.value === null ? null : Math.round(p.value * 100) / 100),
    above: s.points.map(() => s.upscaleAbove),
    below: s.points.map(() => s.downscaleBelow),
    // A scale event sits on the metric's line, or on the threshold it crossed when the window had no value.
    events: s.points.map((p, i) => marked(i).length === 0 ? null : p.value ?? (marked(i)[0]!.to > marked(i)[0]!.from ? s.upscaleAbove : s.downscaleBelow)),
    notes: s.points.map((_p, i) => marked(i).length === 0 ? null : marked(i).map((m) => markText(s.processType, m)).join('; ')),
    series: [
      { key: 'value', label: `${METRIC_LABELS[s.metric]}${s.unit ? ` (${s.unit})` : ''}`, color: COLORS.value },
      { key: 'above', label: 'Scale up above', color: COLORS.above, dash: [8, 4] },
      { key: 'below', label: 'Scale down below', color: COLORS.below, dash: [8, 4] },
      { key: 'events', label: 'Scale events', color: COLORS.events, points: true }
    ]
  }
}

/** The charts' JSON, safe inside a <script type="application/json"> element. */
export function chartJson (entries: Record<string, Record<string, unknown>>): SafeHtml {
  return new SafeHtml(JSON.stringify(entries).replace(/</g, '\\u003c'))
}

export function chartSection (s: MetricSeries, key: string, idBase: string): SafeHtml {
  const rows = s.points.filter((p) => p.value !== null || p.marks.length > 0)
  const latest = [...s.points].reverse().find((p) => p.value !== null)
  const marks = s.points.flatMap((p) => p.marks)
  const label = METRIC_LABELS[s.metric]
  const thresholds = html`scale up above ${metricText(s.metric, s.upscaleAbove)}, scale down below ${metricText(s.metric, s.downscaleBelow)}`
  const summary = html`<p data-chart-summary>${latest
    ? html`Latest ${label.toLowerCase()}: <strong>${metricText(s.metric, latest.value!)}</strong> at <time datetime="${new Date(latest.start).toISOString()}">${hhmmss(latest.start)}</time>; ${thresholds}.`
    : html`No ${label.toLowerCase()} in the last hour (${thresholds}).`} ${marks.length ? `${marks.length} scale event${marks.length === 1 ? '' : 's'}.` : 'No scale event.'}</p>`
  if (rows.length === 0) {
    return html`${summary}<p class="muted" data-chart-empty>Nothing to chart yet: the chart is built from the router lines (or the queue time and load lines) your app's log drain receives.</p>`
  }
  const caption = `${s.processType}: ${label.toLowerCase()} per 10 seconds, last hour (UTC)`
  return html`${summary}
<figure class="chart-figure"><figcaption id="${idBase}-chart-caption">${caption}</figcaption>
<div class="chart" data-chart="autoscale" data-window="${key}" role="img" aria-labelledby="${idBase}-chart-caption" aria-describedby="${idBase}-table"></div></figure>
<details class="metrics-table" open data-table-of="${key}">
<summary>The numbers as a table</summary>
<div class="table-wrap"><table id="${idBase}-table" data-autoscale-table="${s.processType}">
<caption>${caption}: windows with data or a scale event</caption>
<thead><tr><th scope="col">From</th><th scope="col">${label}${s.unit ? ` (${s.unit})` : ''}</th><th scope="col">Requests</th><th scope="col">Dynos</th><th scope="col">Scale event</th></tr></thead>
<tbody>${rows.map((p) => html`<tr${p.marks.length ? html` data-scale-event` : ''}><th scope="row"><time datetime="${new Date(p.start).toISOString()}">${hhmmss(p.start)}</time></th><td>${p.value === null ? html`<span class="muted">–</span>` : metricText(s.metric, p.value)}</td><td>${formatNumber(p.requests)}</td><td>${p.dynos}</td><td>${p.marks.map((m) => markText(s.processType, m)).join('; ')}</td></tr>`)}</tbody>
</table></div>
</details>`
}
