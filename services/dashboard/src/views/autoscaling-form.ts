// The Autoscaling page's forms: a process type's settings (on/off, bounds, metric,
// thresholds, step and timings), the small form that adds a process type, and the removal
// of a policy. Every field has a label; a refused save shows a summary that links to each
// field and the reason beside the field (aria-invalid, aria-describedby), as validatePolicy
// gave it. `novalidate`: the server's reasons, the data API's words, are the one source.
import { MAX_DYNOS, METRICS, type FieldError, type MetricName } from '@addonkit/autoscale'
import { html, type SafeHtml } from './html.js'
import { csrfField } from './layout.js'
import type { FormField } from '../autoscaling/policy-form.js'

export const METRIC_OPTIONS: Record<MetricName, string> = {
  service_p95: 'p95 service time (ms)',
  queue_p95: 'p95 queue time your app reports (ms)',
  requests_per_dyno: 'Requests per minute per dyno (rpm/dyno)',
  load: 'Load average per dyno (log-runtime-metrics)'
}

const LABELS: Record<FormField | 'process_type', string> = {
  enabled: 'Autoscaling',
  process_type: 'Process type',
  min: 'Minimum dynos',
  max: 'Maximum dynos',
  metric: 'Metric',
  upscale_above: 'Scale up above',
  downscale_below: 'Scale down below',
  upscale_jump: 'Dynos added per scale-up',
  upscale_cooldown_s: 'Cooldown after a scale event (seconds)',
  downscale_delay_s: 'Time below the threshold before a scale-down (seconds)'
}

export interface FormContext {
  csrfToken: string
  /** Prefix of the form's element ids (unique on the page). */
  idBase: string
  values: Record<string, string>
  errors: FieldError[]
}

const reasonsOf = (c: FormContext, field: string) => c.errors.filter((e) => e.field === field).map((e) => e.reason)

function errorSummary (c: FormContext, what: string): SafeHtml {
  if (c.errors.length === 0) return html``
  const shown = new Set<string>([...Object.keys(LABELS)])
  return html`<div class="panel notice-bad error-summary" role="alert" id="${c.idBase}-errors" tabindex="-1" autofocus data-form-errors>
  <p><strong>${what} not saved.</strong> Nothing was changed. Correct ${c.errors.length === 1 ? 'this field' : 'these fields'}:</p>
  <ul>${c.errors.map((e) => html`<li>${shown.has(e.field)
    ? html`<a href="#${c.idBase}-${e.field === 'enabled' ? 'enabled-on' : e.field}">${LABELS[e.field as FormField]}</a> (<code>${e.field}</code>) ${e.reason}`
    : html`<code>${e.field}</code> ${e.reason}`}</li>`)}</ul></div>`
}

interface InputSpec { type: 'number' | 'text', min?: number, max?: number, step?: string, hint?: string, inputmode?: 'numeric' | 'decimal' }

function field (c: FormContext, name: FormField | 'process_type', spec: InputSpec): SafeHtml {
  const id = `${c.idBase}-${name}`
  const reasons = reasonsOf(c, name)
  const described = [spec.hint ? `${id}-hint` : '', reasons.length ? `${id}-error` : ''].filter(Boolean).join(' ')
  return html`<div class="field${reasons.length ? ' field-invalid' : ''}" data-field="${name}">
  <label for="${id}">${LABELS[name]}</label>
  ${spec.hint ? html`<p class="hint" id="${id}-hint">${spec.hint}</p>` : ''}
  ${reasons.length ? html`<p class="field-error" id="${id}-error" data-error-for="${name}"><span class="visually-hidden">Error: </span>${reasons.join('; ')}</p>` : ''}
  <input id="${id}" name="${name}" type="${spec.type}" value="${c.values[name] ?? ''}"${spec.inputmode ? html` inputmode="${spec.inputmode}"` : ''}${spec.min !== undefined ? html` min="${spec.min}"` : ''}${spec.max !== undefined ? html` max="${spec.max}"` : ''}${spec.step ? html` step="${spec.step}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${reasons.length ? html` aria-invalid="true"` : ''}>
</div>`
}

function metricSelect (c: FormContext): SafeHtml {
  const id = `${c.idBase}-metric`
  const reasons = reasonsOf(c, 'metric')
  const described = [`${id}-hint`, reasons.length ? `${id}-error` : ''].filter(Boolean).join(' ')
  return html`<div class="field${reasons.length ? ' field-invalid' : ''}" data-field="metric">
  <label for="${id}">${LABELS.metric}</label>
  <p class="hint" id="${id}-hint">The thresholds are in its unit. Queue time needs your app to log <code>[addonkit] queue=NNNms</code>; load needs log-runtime-metrics.</p>
  ${reasons.length ? html`<p class="field-error" id="${id}-error" data-error-for="metric"><span class="visually-hidden">Error: </span>${reasons.join('; ')}</p>` : ''}
  <select id="${id}" name="metric" aria-describedby="${described}"${reasons.length ? html` aria-invalid="true"` : ''}>${METRICS.map((m) => html`
    <option value="${m}"${c.values.metric === m ? html` selected` : ''}>${METRIC_OPTIONS[m]}</option>`)}
  </select>
</div>`
}

function enabledChoice (c: FormContext, processType: string): SafeHtml {
  const reasons = reasonsOf(c, 'enabled')
  const id = `${c.idBase}-enabled`
  return html`<fieldset class="choice${reasons.length ? ' field-invalid' : ''}" data-field="enabled"${reasons.length ? html` aria-describedby="${id}-error"` : ''}>
  <legend>${LABELS.enabled} of ${processType}</legend>
  ${reasons.length ? html`<p class="field-error" id="${id}-error" data-error-for="enabled"><span class="visually-hidden">Error: </span>${reasons.join('; ')}</p>` : ''}
  <div class="check"><input type="radio" id="${id}-on" name="enabled" value="on"${c.values.enabled === 'on' ? html` checked` : ''}><label for="${id}-on"><strong>On</strong>: the autoscaler changes the formation</label></div>
  <div class="check"><input type="radio" id="${id}-off" name="enabled" value="off"${c.values.enabled !== 'on' ? html` checked` : ''}><label for="${id}-off"><strong>Off</strong>: the dashboard shows what it would do; nothing is changed</label></div>
</fieldset>`
}

const bounds = (c: FormContext) => html`
  ${field(c, 'min', { type: 'number', min: 0, max: MAX_DYNOS, step: '1', inputmode: 'numeric' })}
  ${field(c, 'max', { type: 'number', min: 0, max: MAX_DYNOS, step: '1', inputmode: 'numeric', hint: `At most ${MAX_DYNOS}, Heroku's limit for one process type.` })}`

/** The settings of one process type; `exists`: it has a policy (else this form creates one). */
export function settingsForm (c: FormContext, action: string, processType: string, exists: boolean): SafeHtml {
  return html`<form method="post" action="${action}" class="settings-form" novalidate data-policy-form="${processType}">
${csrfField(c.csrfToken)}
${errorSummary(c, `The settings of ${processType} were`)}
${enabledChoice(c, processType)}
<div class="settings-grid">
  ${bounds(c)}
  ${metricSelect(c)}
  ${field(c, 'upscale_above', { type: 'number', min: 0, step: 'any', inputmode: 'decimal', hint: 'In the metric\'s unit. Above it for the breach time, dynos are added.' })}
  ${field(c, 'downscale_below', { type: 'number', min: 0, step: 'any', inputmode: 'decimal', hint: 'In the metric\'s unit, less than the scale-up threshold. Changing the metric and not the thresholds takes the new metric\'s defaults.' })}
  ${field(c, 'upscale_jump', { type: 'number', min: 1, max: MAX_DYNOS, step: '1', inputmode: 'numeric' })}
  ${field(c, 'upscale_cooldown_s', { type: 'number', min: 0, max: 3600, step: '1', inputmode: 'numeric', hint: 'No scale-up sooner than this after any change.' })}
  ${field(c, 'downscale_delay_s', { type: 'number', min: 0, max: 86400, step: '1', inputmode: 'numeric', hint: 'One dyno is removed after this long below the threshold.' })}
</div>
<p class="muted">Schedules, time zone, breach time and the pauses after a release or a person's change keep their values; set them through the data API (<code>PUT /v1/autoscaling/${processType}</code>).</p>
<button type="submit">${exists ? `Save settings of ${processType}` : `Autoscale ${processType}`}</button>
</form>`
}

/** A process type not listed yet (a worker, say): its name, on/off, bounds and metric; the rest defaults. */
export function addForm (c: FormContext, action: string): SafeHtml {
  return html`<form method="post" action="${action}" class="settings-form" novalidate data-policy-form="(new)">
${csrfField(c.csrfToken)}
${errorSummary(c, 'The new process type was')}
<div class="settings-grid">
  ${field(c, 'process_type', { type: 'text', hint: 'As in your Procfile, e.g. worker.' })}
  ${bounds(c)}
  ${metricSelect(c)}
</div>
${enabledChoice(c, 'the new process type')}
<button type="submit" class="secondary">Add process type</button>
</form>`
}

export function removeForm (csrfToken: string, action: string, processType: string): SafeHtml {
  return html`<form method="post" action="${action}" class="stack" data-remove-policy="${processType}">${csrfField(csrfToken)}
  <p>Removing the policy stops autoscaling ${processType}; its dynos stay as they are.</p>
  <button type="submit" class="danger">Stop autoscaling ${processType}</button></form>`
}
