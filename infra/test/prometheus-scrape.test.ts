// A real Prometheus scrapes the platform as `npm start` runs it (the log-drain over https
// with its self-signed certificate), and what Heroku does moves the right series: a
// provision, a drain POST, an SSO sign-in. No label of any series holds a secret or a
// customer's data.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDrainSender, createHerokuDriver } from '@addonkit/heroku-sim'
import { startPrometheus, type PrometheusHandle } from '../src/prometheus.js'
import { startTestPlatform } from './platform-helper.js'

t.setTimeout(240_000)

async function until<T> (what: string, fn: () => T | Promise<T>, ms: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v as NonNullable<T>
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** The value of a query that yields one number (a sum), or undefined while it yields none. */
async function scalar (prom: PrometheusHandle, expr: string): Promise<number | undefined> {
  const r = await prom.query(expr)
  return r.length ? Number(r[0]!.value[1]) : undefined
}

/** Which label values contain which secrets. */
function leaksIn (series: Array<Record<string, string>>, secrets: Array<[string, string]>): string[] {
  const leaks: string[] = []
  for (const labels of series) {
    for (const [name, value] of Object.entries(labels)) {
      for (const [what, secret] of secrets) if (value.includes(secret)) leaks.push(`${labels.__name__}{${name}} holds ${what}`)
    }
  }
  return leaks
}

t.test('Prometheus scrapes all four services; a provision, a drain POST and an SSO sign-in move their series', async (t) => {
  const platform = await startTestPlatform(t)
  const { ports, sim } = platform
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-prometheus-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const prom = await startPrometheus({
    dir,
    scrapeIntervalS: 1,
    targets: [
      { job: 'gateway', url: `http://127.0.0.1:${ports.GATEWAY_PORT}/metrics` },
      { job: 'dashboard', url: `http://127.0.0.1:${ports.DASHBOARD_PORT}/metrics` },
      { job: 'log-drain', url: `https://127.0.0.1:${ports.DRAIN_PORT}/metrics`, ca: platform.drainCa! },
      { job: 'allocator', url: `http://127.0.0.1:${ports.ALLOCATOR_PORT}/metrics` }
    ],
    log: (msg) => t.comment(msg)
  })
  t.teardown(() => prom.stop())
  const fail = (err: unknown) => { t.comment(platform.output.join('').slice(-4000)); throw err }

  const jobs = ['gateway', 'dashboard', 'log-drain', 'allocator']
  const up = await until('every job is up', async () => {
    const r = await prom.query('up')
    const byJob = Object.fromEntries(r.map((s) => [s.metric.job!, s.value[1]]))
    return jobs.every((j) => byJob[j] === '1') && byJob
  }, 30_000).catch(async (err) => { t.comment(JSON.stringify(await prom.query('up'))); return fail(err) })
  t.same(Object.keys(up).sort(), [...jobs].sort(), 'up is 1 for gateway, dashboard, log-drain and allocator')

  // Heroku provisions an add-on, and the allocator finishes it.
  const heroku = createHerokuDriver({ sim: sim!, baseUrl: `${platform.gatewayUrl}/heroku/resources`, addonId: platform.manifest.id, password: platform.manifest.api.password })
  const p = await heroku.provision({ plan: 'hobby' })
  if (p.status !== 200) t.comment(JSON.stringify(p.body))
  t.equal(p.status, 200, 'Heroku provisions an add-on')
  await heroku.waitForState(p.uuid, 'provisioned', 60_000).catch(fail)
  const addon = sim!.addons.get(p.uuid)!

  // Logplex sends lines to its drain.
  const secretLine = `card 4242-${randomBytes(8).toString('hex')}`
  const lines = [secretLine, ...Array.from({ length: 9 }, (_v, i) => `line ${i} ${randomBytes(6).toString('hex')}`)]
  const sender = createDrainSender({ drainUrl: p.body.log_drain_url, drainToken: addon.logDrainToken, ca: platform.drainCa! })
  t.teardown(() => sender.close())
  sender.push(lines.map((message) => ({ message })))
  await sender.flush()
  t.equal(sender.counters.acknowledgedLines, lines.length, 'the drain acknowledged every line')

  // A person opens the add-on from Heroku's dashboard: the SSO form posts to ours.
  const sso = await sim!.ssoRequest(p.uuid)
  const login = await fetch(sso.action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(sso.params).toString() })
  t.ok([302, 303].includes(login.status), `the SSO form signs in (${login.status})`)

  const moved: Array<[string, string, number]> = [
    ['a provision created', 'sum(addonkit_provisions_total{job="gateway",outcome="created"})', 1],
    ['a provision operation succeeded', 'sum(addonkit_operations_total{job="allocator",kind="provision",outcome="succeeded"})', 1],
    ['a drain POST answered 2xx', 'sum(addonkit_drain_requests_total{job="log-drain",status=~"2.."})', 1],
    ['the drain\'s lines acknowledged', 'sum(addonkit_drain_lines_acknowledged_total{job="log-drain"})', lines.length],
    ['the log writer stored them', 'sum(addonkit_drain_lines_stored_total{job="log-drain"})', lines.length],
    ['an SSO sign-in succeeded', 'sum(addonkit_sso_logins_total{job="dashboard",result="success"})', 1]
  ]
  for (const [what, expr, atLeast] of moved) {
    let seen: number | undefined
    const ok = await until(what, async () => { seen = await scalar(prom, expr); return seen !== undefined && seen >= atLeast }, 20_000).then(() => true, () => false)
    t.ok(ok, `${what}: ${expr} ≥ ${atLeast} (last seen ${seen ?? 'no series'})`)
  }

  // Readiness is scraped for every job, and every job has HTTP timings.
  t.same((await prom.query('addonkit_ready')).map((s) => `${s.metric.job}=${s.value[1]}`).sort(), jobs.map((j) => `${j}=1`).sort(), 'addonkit_ready is 1 for every job')

  // No label value carries a secret or what customers sent.
  const config = Object.values(p.body.config as Record<string, string>)
  const drain = new URL(p.body.log_drain_url)
  const secrets: Array<[string, string]> = [
    ...config.map((v, i): [string, string] => [`config var ${i}`, v]),
    ...config.flatMap((v, i): Array<[string, string]> => { try { const u = new URL(v); return u.password ? [[`config var ${i}'s password`, decodeURIComponent(u.password)]] : [] } catch { return [] } }),
    ['the drain token', addon.logDrainToken],
    ...(drain.password ? [['the drain URL\'s password', decodeURIComponent(drain.password)] as [string, string]] : []),
    ['the SSO resource_token', sso.params.resource_token!],
    ['the SSO user_scoped_resource_token', sso.params.user_scoped_resource_token!],
    ['the owner\'s email', addon.owner.email],
    ['the manifest password', platform.manifest.api.password],
    ...lines.map((l, i): [string, string] => [`log line ${i}`, l])
  ]
  t.ok(secrets.length >= lines.length + 5 && secrets.every(([, v]) => typeof v === 'string' && v.length >= 8), `${secrets.length} secrets to look for`)
  const series = await prom.series('{__name__=~"addonkit_.*|http_request_.*"}')
  t.ok(series.length >= 20, `${series.length} series scraped`)
  t.same(leaksIn([{ __name__: 'x', route: `/drain/${addon.logDrainToken}` }], secrets), ['x{route} holds the drain token'], 'the leak check finds a secret inside a label value')
  t.same(leaksIn(series, secrets), [], 'no label value holds a secret or a log line')
})
