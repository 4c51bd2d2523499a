// The files in infra/observability/ are what an operator copies: promtool accepts the alert
// rules and the scrape config, the rules' unit tests pass, every alert carries what a
// person paged needs, and the dashboard and the alerts ask only for series the services
// export (the metric contract below), so a renamed metric cannot leave a panel silently
// empty.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../src/paths.js'
import { ensurePrometheus } from '../src/prometheus.js'

const dir = join(repoRoot, 'infra', 'observability')
const promtool = ensurePrometheus((msg) => t.comment(msg)).promtool

/** The metrics the services export (packages/service-kit/src/metrics.ts and the services). */
const CONTRACT = new Set([
  'http_request_duration_seconds', 'addonkit_ready',
  'addonkit_provisions_total', 'addonkit_outbox_depth', 'addonkit_outbox_oldest_age_seconds',
  'addonkit_operations_total', 'addonkit_operation_duration_seconds', 'addonkit_platform_api_requests_total',
  'addonkit_platform_api_ratelimit_remaining', 'addonkit_autoscaler_decisions_total',
  'addonkit_drain_requests_total', 'addonkit_drain_lines_acknowledged_total', 'addonkit_jetstream_backlog_messages',
  'addonkit_jetstream_backlog_bytes', 'addonkit_log_writer_lag_seconds', 'addonkit_drain_lines_stored_total',
  'addonkit_drain_lines_dropped_total', 'addonkit_tenants_over_quota', 'addonkit_log_writer_failures_total',
  'addonkit_tenant_drain_lines_dropped_today',
  'addonkit_sso_logins_total',
  // Prometheus's own, per target.
  'up'
])
const HISTOGRAMS = new Set(['http_request_duration_seconds', 'addonkit_operation_duration_seconds'])
/** prom-client's default metrics: process_* and nodejs_* (collectDefaultMetrics). */
const DEFAULT_METRIC = /^(process|nodejs)_[a-z0-9_]+$/

const FUNCTIONS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'changes', 'resets', 'predict_linear', 'histogram_quantile',
  'abs', 'absent', 'absent_over_time', 'ceil', 'floor', 'round', 'clamp', 'clamp_min', 'clamp_max', 'label_replace', 'label_join',
  'vector', 'scalar', 'time', 'timestamp', 'sort', 'sort_desc',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'quantile_over_time', 'present_over_time'
])
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan'])

/**
 * The metric names a PromQL expression reads, and the functions it calls: strings, label
 * matchers, ranges, label lists (by, without, on…) and Grafana variables removed first;
 * then an identifier followed by `(` is a function and any other (not a keyword, not part
 * of a number or duration) is a metric name.
 */
function promqlIdentifiers (expr: string): { metrics: string[], functions: string[] } {
  const e = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
  const metrics: string[] = []
  const functions: string[] = []
  for (const m of e.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = e[m.index - 1] ?? ''
    if (/[0-9.]/.test(before)) continue
    if (e.slice(m.index + m[0].length).trimStart().startsWith('(')) functions.push(m[0])
    else if (!KEYWORDS.has(m[0].toLowerCase())) metrics.push(m[0])
  }
  return { metrics, functions }
}

/** Why a metric name is not one the services export, or undefined when it is. */
function unknownMetric (name: string): string | undefined {
  if (CONTRACT.has(name) || DEFAULT_METRIC.test(name)) return undefined
  const base = name.replace(/_(bucket|sum|count)$/, '')
  if (base !== name && HISTOGRAMS.has(base)) return undefined
  return `${name} is not in the metric contract`
}

function problems (expr: string): string[] {
  const { metrics, functions } = promqlIdentifiers(expr)
  return [
    ...(metrics.length === 0 ? ['reads no metric'] : []),
    ...metrics.map(unknownMetric).filter((p): p is string => p !== undefined),
    ...functions.filter((f) => !FUNCTIONS.has(f)).map((f) => `${f}() is not a PromQL function`)
  ]
}

function promtoolRun (args: string[], cwd: string): { code: number | null, out: string } {
  const r = spawnSync(promtool, args, { cwd, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` }
}

/** The alerts in alerts.yml: each `- alert:` block's name, expr and the rest of its text. */
function alertBlocks (yaml: string): Array<{ name: string, expr: string, text: string }> {
  return yaml.split(/\n\s*- alert: /).slice(1).map((block) => {
    const name = block.split('\n')[0]!.trim()
    const expr = /\n\s*expr: (.+)/.exec(block)?.[1]?.trim() ?? ''
    return { name, expr, text: block }
  })
}

t.test('the identifier check itself: it finds metric names and refuses unknown ones', async (t) => {
  t.same(promqlIdentifiers('histogram_quantile(0.99, sum by (kind, le) (rate(addonkit_operation_duration_seconds_bucket{kind="provision"}[$__rate_interval])))'),
    { metrics: ['addonkit_operation_duration_seconds_bucket'], functions: ['histogram_quantile', 'sum', 'rate'] })
  t.same(promqlIdentifiers('max by (job) (a_total) > 1e3 and b offset 5m unless on (job) c{x="d"}').metrics, ['a_total', 'b', 'c'])
  t.same(problems('rate(addonkit_provisions_total[5m])'), [])
  t.same(problems('process_resident_memory_bytes'), [])
  t.same(problems('rate(addonkit_provision_total[5m])'), ['addonkit_provision_total is not in the metric contract'], 'a misspelt name is caught')
  t.same(problems('addonkit_outbox_depth_bucket'), ['addonkit_outbox_depth_bucket is not in the metric contract'], 'a gauge has no buckets')
  t.same(problems('ratee(up[5m])'), ['ratee() is not a PromQL function'])
  t.same(problems('vector(1)'), ['reads no metric'])
})

t.test('promtool check rules alerts.yml', async (t) => {
  const r = promtoolRun(['check', 'rules', 'alerts.yml'], join(dir, 'prometheus'))
  t.equal(r.code, 0, r.out)
  t.match(r.out, /SUCCESS: 8 rules found/)
  // It can fail: the same check on a broken rule.
  const tmp = mkdtempSync(join(tmpdir(), 'addonkit-rules-'))
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  writeFileSync(join(tmp, 'bad.yml'), 'groups:\n  - name: bad\n    rules:\n      - alert: Bad\n        expr: sum(rate(x[5m]) > \n')
  t.not(promtoolRun(['check', 'rules', 'bad.yml'], tmp).code, 0, 'a broken expression is refused')
})

t.test('promtool test rules alerts.test.yml: every alert fires when it should, and not otherwise', async (t) => {
  const r = promtoolRun(['test', 'rules', 'alerts.test.yml'], join(dir, 'prometheus'))
  t.equal(r.code, 0, r.out)
  t.match(r.out, /SUCCESS/)
  const alerts = alertBlocks(readFileSync(join(dir, 'prometheus', 'alerts.yml'), 'utf8')).map((a) => a.name)
  const tests = readFileSync(join(dir, 'prometheus', 'alerts.test.yml'), 'utf8')
  for (const name of alerts) {
    // Each alert has a case where it fires and one where it must not.
    const cases = [...tests.matchAll(new RegExp(`alertname: ${name}\\n\\s*exp_alerts:(.*)`, 'g'))].map((m) => m[1]!.trim())
    t.ok(cases.includes('[]'), `${name}: a case where it does not fire`)
    t.ok(cases.includes(''), `${name}: a case where it fires`)
  }
})

t.test('promtool check config prometheus.yml (and the rule file it names)', async (t) => {
  const r = promtoolRun(['check', 'config', 'prometheus.yml'], join(dir, 'prometheus'))
  t.equal(r.code, 0, r.out)
  t.match(r.out, /prometheus\.yml is valid/)
  const config = readFileSync(join(dir, 'prometheus', 'prometheus.yml'), 'utf8')
  for (const [job, port] of [['gateway', 5000], ['dashboard', 5001], ['log-drain', 5002], ['allocator', 5003]] as const) {
    t.match(config, new RegExp(`job_name: ${job}\\n[\\s\\S]*?targets: \\['127\\.0\\.0\\.1:${port}'\\]`), `${job} on :${port}`)
  }
  t.match(config, /job_name: log-drain\n\s+scheme: https\n\s+tls_config:/, 'log-drain over https')
  t.match(config, /rule_files:\n\s+- alerts\.yml/)
})

t.test('every alert reads only contract metrics, and says what a person paged needs', async (t) => {
  const alerts = alertBlocks(readFileSync(join(dir, 'prometheus', 'alerts.yml'), 'utf8'))
  t.equal(alerts.length, 8)
  t.same(alerts.map((a) => a.name).sort(), ['AddonkitDrain503Rate', 'AddonkitJetStreamBacklogGrowing', 'AddonkitLogWriterLagging', 'AddonkitNotReady',
    'AddonkitOutboxStuck', 'AddonkitPlatformApiRateLimited', 'AddonkitReadinessFlapping', 'AddonkitTargetDown'])
  for (const a of alerts) {
    t.same(problems(a.expr), [], `${a.name}: ${a.expr}`)
    t.match(a.text, /\n\s+severity: (page|ticket)\n/, `${a.name} has a severity`)
    for (const key of ['summary', 'description', 'runbook']) t.match(a.text, new RegExp(`\\n\\s+${key}: "[^"]{10,}`), `${a.name} has a ${key}`)
    t.match(a.text, new RegExp(`runbook: "infra/observability/README\\.md#${a.name.toLowerCase()}`), `${a.name}'s runbook points at its README section`)
  }
  const readme = readFileSync(join(dir, 'README.md'), 'utf8')
  for (const a of alerts) t.match(readme, new RegExp(`\\n### ${a.name}\\n`), `the README explains ${a.name}`)
})

t.test('the Grafana dashboard: valid JSON, a Prometheus datasource variable, contract metrics only', async (t) => {
  const dash = JSON.parse(readFileSync(join(dir, 'grafana', 'addonkit-dashboard.json'), 'utf8'))
  t.ok(dash.schemaVersion >= 36 && dash.schemaVersion <= 41, `schemaVersion ${dash.schemaVersion}`)
  t.ok(dash.uid && dash.title, 'uid and title')
  t.match(dash.templating.list, [{ type: 'datasource', name: 'datasource', query: 'prometheus' }])
  const panels = (dash.panels as any[]).flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row')
  t.ok(panels.length >= 20, `${panels.length} panels`)
  const ids = panels.map((p) => p.id)
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  const exprs: string[] = []
  for (const p of panels) {
    t.same(p.datasource, { type: 'prometheus', uid: '${datasource}' }, `${p.title}: the datasource variable`)
    t.ok(p.targets?.length > 0, `${p.title}: has queries`)
    for (const target of p.targets ?? []) {
      exprs.push(target.expr)
      t.same(problems(target.expr), [], `${p.title}: ${target.expr}`)
    }
  }
  // The questions it answers, by the series they need.
  const all = exprs.join('\n')
  for (const needed of ['addonkit_operation_duration_seconds_bucket', 'addonkit_outbox_depth', 'addonkit_outbox_oldest_age_seconds', 'addonkit_log_writer_lag_seconds',
    'addonkit_jetstream_backlog_messages', 'addonkit_drain_requests_total{status="503"}', 'addonkit_drain_lines_stored_total', 'addonkit_drain_lines_dropped_total',
    'addonkit_tenants_over_quota', 'addonkit_platform_api_requests_total', 'addonkit_platform_api_ratelimit_remaining', 'addonkit_sso_logins_total',
    'addonkit_autoscaler_decisions_total', 'addonkit_ready', 'process_cpu_seconds_total', 'process_resident_memory_bytes']) {
    t.ok(all.includes(needed), `a panel shows ${needed}`)
  }

  // And promtool parses every query (Grafana's $__rate_interval as 1m): a recording rule each.
  const tmp = mkdtempSync(join(tmpdir(), 'addonkit-dash-'))
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  const rules = { groups: [{ name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.replace(/\$__rate_interval/g, '1m') })) }] }
  writeFileSync(join(tmp, 'dashboard-rules.yml'), JSON.stringify(rules))
  const r = promtoolRun(['check', 'rules', 'dashboard-rules.yml'], tmp)
  t.equal(r.code, 0, r.out)
})
