// Logs: the search form (works without JavaScript), newest-first results with an "older"
// link, and the live tail, which needs JavaScript (/assets/log-tail.js) and says so.
import { html, type SafeHtml } from './html.js'
import { layout, type SignedIn } from './layout.js'
import type { SearchLine } from '@addonkit/log-store'
import { RANGES, STATUS_CLASSES, type SearchFields } from '../logs/search-form.js'

export type LogsState =
  | { kind: 'no-tenant' }
  | { kind: 'results', lines: SearchLine[], olderHref: string | null, newestHref: string | null }

export interface LogsPageInput {
  addonName: string
  fields: SearchFields
  problems: string[]
  state: LogsState
  tailUrl: string | null
  signedIn: SignedIn
}

export const LOG_TAIL_SCRIPT = '/assets/log-tail.js'

function option (value: string, label: string, selected: string): SafeHtml {
  return html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`
}

function lineItem (l: SearchLine): SafeHtml {
  return html`<li data-seq="${l.id}"><time datetime="${l.ts}">${l.ts.replace('T', ' ').replace('Z', '')}</time> <span class="log-proc">${l.source}[${l.proc}]</span>: <span class="log-msg">${l.message}</span></li>`
}

function searchForm (uuid: string, f: SearchFields): SafeHtml {
  return html`<form class="log-search" method="get" action="/dashboard/${uuid}/logs" role="search" aria-label="Search logs">
  <div class="field wide"><label for="logs-q">Message contains</label><input id="logs-q" name="q" type="search" value="${f.q}" maxlength="200"></div>
  <div class="field"><label for="logs-range">Time range</label><select id="logs-range" name="range">${RANGES.map((r) => option(r.id, r.label, f.range))}</select></div>
  <div class="field"><label for="logs-from">From (UTC, custom range)</label><input id="logs-from" name="from" type="datetime-local" value="${f.from}"></div>
  <div class="field"><label for="logs-to">To (UTC, custom range)</label><input id="logs-to" name="to" type="datetime-local" value="${f.to}"></div>
  <div class="field"><label for="logs-source">Source</label><select id="logs-source" name="source">${option('', 'Any', f.source)}${option('app', 'app (your processes)', f.source)}${option('heroku', 'heroku (platform)', f.source)}</select></div>
  <div class="field"><label for="logs-proc">Process</label><input id="logs-proc" name="proc" value="${f.proc}" maxlength="100" placeholder="web.1, router" autocomplete="off"></div>
  <div class="field"><label for="logs-status">Router status</label><select id="logs-status" name="status">${option('', 'Any', f.status)}${STATUS_CLASSES.map((c) => option(c, c, f.status))}</select></div>
  <div class="field"><label for="logs-path">Request path starts with</label><input id="logs-path" name="path" value="${f.path}" maxlength="500" autocomplete="off"></div>
  <div class="actions"><button type="submit">Search</button> <a href="/dashboard/${uuid}/logs">Reset</a></div>
</form>`
}

function results (state: LogsState): SafeHtml {
  switch (state.kind) {
    case 'no-tenant': return html`<p class="panel notice" data-logs="no-tenant">This add-on has no log store yet. Once it is provisioned and its drain receives lines, they appear here.</p>`
    case 'results': return html`
<h2 id="results-h">Results</h2>
${state.lines.length === 0
  ? html`<p class="muted" data-logs="empty">No lines match this search.</p>`
  : html`<p class="muted">Newest first${state.newestHref ? ', continuing an earlier page' : ''}.</p>
<ol class="log-lines" data-logs="results" aria-labelledby="results-h">${state.lines.map(lineItem)}</ol>`}
${state.olderHref || state.newestHref
  ? html`<nav class="pager" aria-label="Result pages">${state.newestHref ? html`<a href="${state.newestHref}">Newest lines</a>` : ''}${state.olderHref ? html`<a href="${state.olderHref}" rel="next" data-older>Older lines</a>` : ''}</nav>`
  : ''}`
  }
}

export function logsPage (p: LogsPageInput): string {
  const uuid = p.signedIn.uuid
  const body = html`
<h1>Logs</h1>
${p.problems.length ? html`<div class="panel notice-warn" role="alert"><ul>${p.problems.map((x) => html`<li>${x}</li>`)}</ul></div>` : ''}
${searchForm(uuid, p.fields)}
${results(p.state)}
${p.tailUrl ? html`
<section class="tail" aria-labelledby="tail-h">
<h2 id="tail-h">Live tail</h2>
<p class="muted" data-tail-nojs>Live tail needs JavaScript; the search above works without it.</p>
<p><button type="button" id="tail-toggle" class="secondary" aria-pressed="false" aria-controls="tail-lines" hidden>Start live tail</button></p>
<p id="tail-status" role="status" class="muted"></p>
<ol id="tail-lines" class="log-lines" aria-live="polite" aria-relevant="additions" aria-label="Live lines, oldest first" data-tail-url="${p.tailUrl}" data-tail-state="off"></ol>
</section>` : ''}`
  return layout({ title: 'Logs', addonName: p.addonName, page: 'logs', body, signedIn: p.signedIn, scripts: p.tailUrl ? [LOG_TAIL_SCRIPT] : [] })
}
