// `npm run demo` (with `npm start` running): plays Heroku through the simulator that
// `npm start` runs. It provisions one add-on on the async path (the simulator delays the
// OAuth grant exchange past the sync budget, as a slow resource would), waits for the
// Platform API completion, prints the config vars, changes the plan, and leaves the add-on
// provisioned for the dashboard and the drain.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDrainSender, type DrainLine } from '@addonkit/heroku-sim'
import { dataDir } from '../paths.js'

const say = (msg: string) => console.log(`[demo] ${msg}`)

function readJson<T> (file: string, hint: string): T {
  const path = join(dataDir, file)
  if (!existsSync(path)) { console.error(`[demo] ${path} is missing: ${hint}`); process.exit(1) }
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

async function main () {
  const sim = readJson<{ url: string }>('heroku-sim.json', 'start the platform with `npm start` first (without HEROKU_API_URL, so it runs the Heroku simulator)')
  const manifest = readJson<{ id: string, api: { password: string, test: { base_url: string } } }>('addon-manifest.json', 'start the platform with `npm start` first')
  const baseUrl = manifest.api.test.base_url
  const auth = 'Basic ' + Buffer.from(`${manifest.id}:${manifest.api.password}`).toString('base64')
  const headers = { authorization: auth, 'content-type': 'application/json', accept: 'application/vnd.heroku-addons+json; version=3' }
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await fetch(url, { method, headers: body === undefined ? { authorization: auth } : headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await r.text()
    return { status: r.status, body: text ? JSON.parse(text) : null }
  }
  try { await fetch(`${sim.url}/_sim/addons/00000000-0000-0000-0000-000000000000`) } catch {
    console.error(`[demo] the Heroku simulator at ${sim.url} does not answer: is \`npm start\` running?`); process.exit(1)
  }

  await call('POST', `${sim.url}/_sim/delay`, { path_regex: '^/id/oauth/token$', ms: 3000 })
  const request = (await call('POST', `${sim.url}/_sim/addons`, { plan: 'hobby' })).body
  say(`Heroku provisions ${request.name} (uuid ${request.uuid}) on the hobby plan`)
  const answer = await call('POST', baseUrl, request)
  say(`the gateway answered ${answer.status}: ${answer.body?.message ?? JSON.stringify(answer.body)}`)
  if (answer.status !== 202 && answer.status !== 200) process.exit(1)

  const started = Date.now()
  let addon: { state: string, config: Record<string, string> } | null = null
  while (Date.now() - started < 60_000) {
    addon = (await call('GET', `${sim.url}/_sim/addons/${request.uuid}`)).body
    if (addon?.state === 'provisioned') break
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  if (addon?.state !== 'provisioned') { console.error('[demo] the add-on did not reach provisioned within 60 s'); process.exit(1) }
  say(`provisioned asynchronously after ${((Date.now() - started) / 1000).toFixed(1)} s; the app's config vars:`)
  for (const [k, v] of Object.entries(addon.config)) console.log(`    ${k}=${v}`)

  const change = await call('PUT', `${baseUrl}/${request.uuid}`, { plan: 'standard' })
  say(`plan change to standard: ${change.status} ${change.body?.message ?? ''}`)
  say(`the add-on stays provisioned: ${request.uuid}`)

  // Heroku creates a drain only from the log_drain_url of a synchronous answer, so a second
  // add-on, provisioned synchronously, receives a minute of the app's logs through Logplex.
  const second = (await call('POST', `${sim.url}/_sim/addons`, { plan: 'standard' })).body
  const sync = await call('POST', baseUrl, second)
  if (sync.status !== 200 || !sync.body?.log_drain_url) { say(`no drain for the second add-on (answer ${sync.status})`); return }
  say(`second add-on ${second.name}: drain ${new URL(sync.body.log_drain_url).origin}${new URL(sync.body.log_drain_url).pathname}; streaming app and router lines for 60 s`)
  const sender = createDrainSender({ drainUrl: sync.body.log_drain_url, drainToken: second.log_drain_token, userAgent: 'Logplex/demo' })
  const paths = ['/', '/login', '/api/orders', '/api/orders/42', '/assets/app.js', '/health']
  const until = Date.now() + 60_000
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
}

main().catch((err) => { console.error(`[demo] ${(err as Error).message}`); process.exit(1) })
