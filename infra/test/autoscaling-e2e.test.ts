// Autoscaling end to end, in real time, on the platform as `npm start` runs it: a simulated
// app's router lines go through its https drain into the log-drain, whose writer stores
// 10-second windows and announces them on NATS; the allocator decides and scales the app
// through the simulated Platform API; a person's `heroku ps:scale` reaches the gateway as
// a signed webhook and pauses autoscaling.
import t from 'tap'
import https from 'node:https'
import pg from 'pg'
import { createHerokuDriver, startAppTraffic } from '@addonkit/heroku-sim'
import { startTestPlatform } from './platform-helper.js'

t.setTimeout(240_000)

function dataApi (url: string, ca: string, method: string, path: string, body?: unknown): Promise<{ status: number, json: any }> {
  const u = new URL(url)
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
  return new Promise((resolve, reject) => {
    const req = https.request(`${u.origin}${u.pathname.replace(/\/$/, '')}${path}`, { method, ca, headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } }, (res) => {
      let text = ''
      res.on('data', (c) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

async function until<T> (what: string, fn: () => T | Promise<T>, ms: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

t.test('a load spike scales web up through the Platform API; a person\'s scale pauses it', async (t) => {
  const platform = await startTestPlatform(t, { AUTOSCALE_TICK_MS: '1000' })
  const sim = platform.sim!
  const ca = platform.drainCa!
  const heroku = createHerokuDriver({ sim, baseUrl: `${platform.gatewayUrl}/heroku/resources`, addonId: platform.manifest.id, password: platform.manifest.api.password })
  const p = await heroku.provision({ plan: 'hobby' })
  t.equal(p.status, 200)
  const addon = sim.addons.get(p.uuid)!
  const apiUrl = p.body.config.ADDONKIT_URL as string
  t.match(p.body.log_drain_url, /^https:/)

  const put = await dataApi(apiUrl, ca, 'PUT', '/autoscaling/web', { enabled: true, min: 1, max: 4, metric: 'service_p95', upscale_above: 400, downscale_below: 50, breach_s: 10, upscale_cooldown_s: 15, downscale_delay_s: 600, manual_pause_s: 600 })
  t.equal(put.status, 200, JSON.stringify(put.json))

  // 25 requests a second of 60 ms on one dyno: utilization 1.5, so the queue grows.
  const traffic = startAppTraffic({ model: { app: addon.app.name, rps: 25, serviceMs: 60 }, sim, app: addon.app.id, drainUrl: p.body.log_drain_url, drainToken: addon.logDrainToken, tickMs: 1000, sender: { ca } })
  t.teardown(() => traffic.stop())
  const startedAt = Date.now()
  const ours = await until('web scaled up', () => sim.app(addon.app.id)!.formationHistory.find((h) => h.type === 'web' && h.quantity >= 2), 90_000).catch((e) => { t.comment(platform.output.join('').slice(-6000)); throw e })
  t.comment(`first scale ${Math.round((new Date(ours.at).getTime() - startedAt) / 1000)} s after the spike began`)
  t.match(ours, { type: 'web', via: 'partner', previous: { quantity: 1 }, quantity: 2, actor: { email: `${platform.manifest.id}@addons.heroku.com` } }, 'one step, made with the add-on\'s own token')

  const status = await until('a decision is reported', async () => { const r = await dataApi(apiUrl, ca, 'GET', '/autoscaling'); return r.json.process_types[0]?.last_change?.by === 'autoscaler' && r.json }, 20_000)
  t.match(status.process_types[0], { process_type: 'web', policy: { upscale_above: 400 }, last_change: { by: 'autoscaler', from: 1 } })
  const db = new pg.Pool({ connectionString: platform.env.DATABASE_URL!, max: 2 })
  t.teardown(() => db.end())
  const one = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows[0]
  // The scale operation notes the change (what the data API reports) and then settles the
  // decision in a statement of its own, so the decision can be a moment behind the report.
  const done = await until('the decision is settled', () => one("SELECT action, from_quantity, to_quantity, applied, reason FROM autoscale_decisions WHERE instance_uuid = $1 AND outcome = 'done' ORDER BY at LIMIT 1", [p.uuid]), 10_000)
  t.match(done, { action: 'scale', from_quantity: 1, to_quantity: 2, applied: true, reason: /^p95 service \d+ ms > 400 ms for 10 s → web 1 → 2$/ })
  t.ok(await one("SELECT 1 FROM audit_events WHERE instance_uuid = $1 AND event = 'autoscaled' AND outcome = 'ok'", [p.uuid]), 'audited')
  await until('the scale event reaches the app\'s own log', () => addon.logLines.some((l) => /autoscaling: web 1 → 2/.test(l)), 10_000)
  t.pass('written into the app\'s log stream')

  // The add-on subscribed to formation and release events at provision.
  const app = await one('SELECT webhook_id, webhook_problem FROM autoscale_apps WHERE instance_uuid = $1', [p.uuid])
  t.ok(app.webhook_id, `webhook subscribed (${app.webhook_problem ?? 'no problem'})`)

  // A person scales to 4 by hand: the webhook tells the gateway, and the autoscaler holds.
  traffic.setLoad(2)
  sim.scaleByHand(addon.app.id, [{ type: 'web', quantity: 4 }])
  await until('the person\'s change is known', async () => (await one("SELECT last_change_by FROM autoscale_state WHERE instance_uuid = $1 AND process_type = 'web'", [p.uuid]))?.last_change_by === 'person', 20_000)
  await new Promise((resolve) => setTimeout(resolve, 4000))
  t.equal(sim.app(addon.app.id)!.formation.find((f) => f.type === 'web')!.quantity, 4, 'not overridden')
  const last = (await dataApi(apiUrl, ca, 'GET', '/autoscaling')).json.process_types[0].last_decision
  t.match(last, { action: 'hold', reason: /web was scaled by hand to 4 at .*; autoscaling pauses until/ })
  const deliveries = sim.webhookDeliveries.filter((d) => d.webhook.id === app.webhook_id)
  t.ok(deliveries.some((d) => d.status === 'succeeded'), 'the gateway acknowledged a signed delivery')
})
