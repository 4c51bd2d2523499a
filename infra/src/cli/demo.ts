// `npm run demo` (with `npm start` running): plays Heroku through the simulator that
// `npm start` runs, with Heroku's exact requests (the simulator's driver). It provisions one
// add-on on the async path (the simulator delays the OAuth grant exchange past the sync
// budget, as a slow resource would), waits for the Platform API completion, prints the
// config vars, changes the plan, and leaves the add-on provisioned, with the URL that opens
// its dashboard the way `heroku addons:open` does; a second add-on gets logs, then the
// whole autoscaling loop (a load spike, scale-up, recovery, scale-down; DEMO_AUTOSCALING=off
// leaves it out).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import http from 'node:http'
import https from 'node:https'
import { connectHerokuSim, createDrainSender, createHerokuDriver, startAppTraffic, type DrainLine, type HerokuSide } from '@addonkit/heroku-sim'
import { dataDir } from '../paths.js'

const say = (msg: string) => console.log(`[demo] ${msg}`)

function readJson<T> (file: string, hint: string): T {
  const path = join(dataDir, file)
  if (!existsSync(path)) { console.error(`[demo] ${path} is missing: ${hint}`); process.exit(1) }
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

async function main () {
  const simFile = readJson<{ url: string, tls_ca_file?: string }>('heroku-sim.json', 'start the platform with `npm start` first (without HEROKU_API_URL, so it runs the Heroku simulator)')
  const manifest = readJson<{ id: string, api: { password: string, requires?: string[], test: { base_url: string } } }>('addon-manifest.json', 'start the platform with `npm start` first')
  let side
  try { side = await connectHerokuSim(simFile.url) } catch {
    console.error(`[demo] the Heroku simulator at ${simFile.url} does not answer: is \`npm start\` running?`); process.exit(1)
  }
  // Heroku's own requests, headers and all, through the simulator `npm start` runs.
  const heroku = createHerokuDriver({ side, baseUrl: manifest.api.test.base_url, addonId: manifest.id, password: manifest.api.password, requires: manifest.api.requires ?? [] })
  const [firstPlan, secondPlan] = side.plans

  await side.delay(/^\/id\/oauth\/token$/, 3000)
  const first = await heroku.provision({ plan: firstPlan })
  say(`Heroku provisions ${(await side.addon(first.uuid))?.name} (uuid ${first.uuid}) on the ${firstPlan} plan`)
  say(`the gateway answered ${first.status}: ${first.body?.message ?? JSON.stringify(first.body)}`)
  if (first.status !== 202 && first.status !== 200) process.exit(1)

  const started = Date.now()
  const addon = await heroku.waitForState(first.uuid, 'provisioned', 60_000).catch(() => undefined)
  if (!addon) { console.error('[demo] the add-on did not reach provisioned within 60 s'); process.exit(1) }
  say(`provisioned ${first.status === 202 ? 'asynchronously' : 'synchronously'} after ${((Date.now() - started) / 1000).toFixed(1)} s; the app's config vars:`)
  for (const [k, v] of Object.entries(addon.config)) console.log(`    ${k}=${v}`)

  if (secondPlan) {
    const change = await heroku.changePlan(first.uuid, secondPlan)
    say(`plan change to ${secondPlan}: ${change.status} ${change.body?.message ?? ''}`)
  }
  say(`the add-on stays provisioned: ${first.uuid}`)
  say(`open its dashboard (heroku addons:open): ${simFile.url}/addons-sso/apps/${addon.app.id}/addons/${first.uuid}`)

  // Heroku creates a drain only from the log_drain_url of a synchronous answer, so a second
  // add-on, provisioned synchronously, receives a minute of the app's logs through Logplex.
  const sync = await heroku.provision({ plan: secondPlan ?? firstPlan })
  const second = await side.addon(sync.uuid)
  if (sync.status !== 200 || !sync.body?.log_drain_url || !second) { say(`no drain for the second add-on (answer ${sync.status})`); return }
  say(`second add-on ${second.name}: drain ${new URL(sync.body.log_drain_url).origin}${new URL(sync.body.log_drain_url).pathname}; streaming app and router lines for 20 s`)
  say(`open its dashboard: ${simFile.url}/addons-sso/apps/${second.app.id}/addons/${second.uuid}`)
  // npm start's drains serve a self-signed certificate; heroku-sim.json names it.
  const ca = simFile.tls_ca_file ? readFileSync(simFile.tls_ca_file, 'utf8') : undefined
  const sender = createDrainSender({ drainUrl: sync.body.log_drain_url, drainToken: second.logDrainToken, userAgent: 'Logplex/demo', ...(ca ? { ca } : {}) })
  const paths = ['/', '/login', '/api/orders', '/api/orders/42', '/assets/app.js', '/health']
  const until = Date.now() + 20_000
  let n = 0
  while (Date.now() < until) {
    const lines: DrainLine[] = []
    for (let i = 0; i < 40; i++, n++) {
      const status = n % 97 === 0 ? 503 : n % 23 === 0 ? 404 : n % 11 === 0 ? 302 : 200
      const service = Math.round(5 + Math.random() * 40 + (status === 503 ? 3000 : 0))
      const path = paths[n % paths.length]!
      lines.push({ appName: 'heroku', procId: 'router', pri: 158, message: `at=${status >= 500 ? 'error code=H12 desc="Request timeout"' : 'info'} method=GET path="${path}" host=demo-app.herokuapp.com request_id=${crypto.randomUUID()} fwd="203.0.113.${n % 250}" dyno=web.${1 + n % 2} connect=${n % 3}ms service=${service}ms status=${status} bytes=${200 + (n * 37) % 5000} protocol=https` })
      lines.push({ procId: `web.${1 + n % 2}`, message: `Completed ${status} in ${service}ms (${path}) — user ${n % 17} ✓` })
    }
    sender.push(lines)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  await sender.flush()
  sender.close()
  say(`sent ${sender.counters.acknowledgedLines} lines (${sender.counters.dropped} batches dropped); open the dashboard's Logs and Metrics pages for ${second.name}`)
  if (process.env.DEMO_AUTOSCALING !== 'off') await autoscalingLoop(side, second.uuid, second.app.id, second.app.name, sync.body.config.ADDONKIT_URL, sync.body.log_drain_url, second.logDrainToken, ca)
}

/**
 * Autoscaling, the whole loop (about four minutes): a simulated app (the simulator's
 * queueing model, its router lines through the drain) at a quiet load, a 6× spike, the
 * scale-up and the recovery, the spike's end and, after the downscale delay, the
 * scale-down. Prints each change and its reason as it happens.
 */
async function autoscalingLoop (side: HerokuSide, uuid: string, appId: string, appName: string, apiUrl: string, drainUrl: string, drainToken: string, ca: string | undefined) {
  const policy = { enabled: true, min: 1, max: 6, metric: 'service_p95', upscale_above: 400, downscale_below: 250, breach_s: 20, upscale_cooldown_s: 20, downscale_delay_s: 60, manual_pause_s: 300 }
  const put = await dataApi(apiUrl, ca, 'PUT', '/autoscaling/web', policy)
  if (put.status !== 200) { say(`could not set the autoscaling policy (${put.status}): ${JSON.stringify(put.json)}`); return }
  say(`autoscaling on for web: p95 service over ${policy.upscale_above} ms for ${policy.breach_s} s scales up, under ${policy.downscale_below} ms for ${policy.downscale_delay_s} s scales down (PUT /v1/autoscaling/web)`)
  const traffic = startAppTraffic({ model: { app: appName, rps: 4, serviceMs: 50 }, sim: side, app: appId, drainUrl, drainToken, tickMs: 1000, ...(ca ? { sender: { ca } } : {}) })
  let seen = (await side.app(appId))?.formationHistory.length ?? 0
  let lastReason = ''
  const watch = async (seconds: number) => {
    const until = Date.now() + seconds * 1000
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const history = (await side.app(appId))?.formationHistory ?? []
      for (const h of history.slice(seen)) say(`  formation: web ${h.previous.quantity ?? '?'} → ${h.quantity} (by ${h.via === 'manual' ? 'a person' : 'the autoscaler'})`)
      seen = history.length
      const last = (await dataApi(apiUrl, ca, 'GET', '/autoscaling')).json?.process_types?.find((p: { process_type: string }) => p.process_type === 'web')?.last_decision
      // One line per new decision (its reason's numbers move every second).
      const key = last && `${last.action} ${last.from} ${last.to}`
      if (last && key !== lastReason && last.action !== 'none') { say(`  decision: ${last.reason}`); lastReason = key }
      const step = traffic.steps.at(-1)
      if (step && Math.round((Date.now() / 1000)) % 10 === 0) say(`  load ${traffic.model.rps} req/s on ${step.webDynos} web dyno(s), utilization ${step.utilization === Infinity ? '∞' : Math.round(step.utilization * 100) + ' %'}`)
    }
  }
  try {
    say('quiet load: 4 requests a second')
    await watch(20)
    say('spike: 24 requests a second (6×)')
    traffic.setLoad(24)
    await watch(70)
    say('the spike ends: back to 4 requests a second')
    traffic.setLoad(4)
    await watch(150)
  } finally {
    await traffic.stop()
  }
  say(`the dashboard's Autoscaling page shows the chart and the decisions: ${side.url}/addons-sso/apps/${appId}/addons/${uuid}`)
}

function dataApi (url: string, ca: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number, json: any }> {
  const u = new URL(url)
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request(`${u.origin}${u.pathname.replace(/\/$/, '')}${path}`, { method, ...(ca ? { ca } : {}), headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } }, (res) => {
      let text = ''
      res.on('data', (c) => { text += c })
      res.on('end', () => { let json: unknown = null; try { json = text ? JSON.parse(text) : null } catch {} resolve({ status: res.statusCode ?? 0, json }) })
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

main().catch((err) => { console.error(`[demo] ${(err as Error).message}`); process.exit(1) })
