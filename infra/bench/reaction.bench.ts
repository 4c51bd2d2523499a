// Reaction time of autoscaling, end to end in real time: from the first router line of a
// breach to the PATCH that scales the app, with 10-second windows and breach_s 10, on the
// platform as `npm start` runs it (drain → writer → NATS → allocator → the simulated
// Platform API). Apps run a simulated load that jumps to overload at staggered moments.
// Baseline in the same run: the same platform deciding only on a 60-second tick, as a
// checkup-based autoscaler does (HireFire's standard interval), with
// AUTOSCALE_WAKE_ON_WINDOWS=off. Prints p50/p99 per configuration and writes
// bench/results/reaction.json. Needs ADDONKIT_TEST_PG_ADMIN_URL (npm test's PostgreSQL) or
// starts its own embedded PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHerokuDriver, startAppTraffic, type AppTraffic } from '@addonkit/heroku-sim'
import { benchRun, writeBenchResults } from '@addonkit/testkit'
import { startPostgresServer, startThrowawayPlatform } from '../src/index.js'

const APPS = Number(process.env.BENCH_APPS ?? 12)
const STAGGER_MS = 30_000
const WARMUP_MS = 20_000
const GIVE_UP_MS = 120_000

interface Sample { app: string, reactionMs: number | null }

async function putPolicy (apiUrl: string, ca: string, body: unknown): Promise<void> {
  const u = new URL(apiUrl)
  await new Promise<void>((resolve, reject) => {
    const req = https.request(`${u.origin}${u.pathname.replace(/\/$/, '')}/autoscaling/web`, { method: 'PUT', ca, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` } }, (res) => {
      res.resume()
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT policy: ${res.statusCode}`))))
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

async function measure (label: string, env: Record<string, string>, adminUrl: string): Promise<Sample[]> {
  const platform = await startThrowawayPlatform({ adminUrl, env })
  const traffic: AppTraffic[] = []
  try {
    const sim = platform.sim!
    const heroku = createHerokuDriver({ sim, baseUrl: `${platform.gatewayUrl}/heroku/resources`, addonId: platform.manifest.id, password: platform.manifest.api.password })
    const apps: Array<{ uuid: string, appId: string, traffic: AppTraffic, spikeAt: number }> = []
    for (let i = 0; i < APPS; i++) {
      const p = await heroku.provision({ plan: 'hobby' })
      if (p.status !== 200) throw new Error(`provision ${p.status}`)
      const addon = sim.addons.get(p.uuid)!
      await putPolicy(p.body.config.ADDONKIT_URL, platform.drainCa!, { enabled: true, min: 1, max: 3, upscale_above: 400, downscale_below: 100, breach_s: 10, upscale_cooldown_s: 60, downscale_delay_s: 3600 })
      // 4 requests a second of 50 ms: an idle-looking app (p95 ~190 ms) until the spike.
      const tr = startAppTraffic({ model: { app: addon.app.name, rps: 4, serviceMs: 50 }, sim, app: addon.app.id, drainUrl: p.body.log_drain_url, drainToken: addon.logDrainToken, tickMs: 1000, seed: i + 1, sender: { ca: platform.drainCa! } })
      traffic.push(tr)
      apps.push({ uuid: p.uuid, appId: addon.app.id, traffic: tr, spikeAt: 0 })
    }
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS))
    const start = Date.now()
    for (const [i, a] of apps.entries()) {
      setTimeout(() => { a.spikeAt = Date.now(); a.traffic.setLoad(40) }, Math.round(i * STAGGER_MS / APPS + Math.random() * 1000))
    }
    const deadline = start + STAGGER_MS + GIVE_UP_MS
    const samples = new Map<string, number | null>()
    while (samples.size < apps.length && Date.now() < deadline) {
      for (const a of apps) {
        if (samples.has(a.uuid) || a.spikeAt === 0) continue
        const change = sim.app(a.appId)!.formationHistory.find((h) => h.type === 'web' && h.quantity > 1)
        // The first line of the breach is stamped in the step after the load changed (≤ 1 s).
        if (change) samples.set(a.uuid, Date.parse(change.at) - a.spikeAt)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const out = apps.map((a) => ({ app: a.uuid, reactionMs: samples.get(a.uuid) ?? null }))
    console.log(`${label}: ${out.map((s) => s.reactionMs === null ? 'none' : `${(s.reactionMs / 1000).toFixed(1)}s`).join(' ')}`)
    return out
  } finally {
    for (const tr of traffic) await tr.stop().catch(() => {})
    await platform.stop()
  }
}

function pct (xs: number[], p: number): number { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! }

const run = benchRun()
let ownPg: Awaited<ReturnType<typeof startPostgresServer>> | undefined
let adminUrl = process.env.ADDONKIT_TEST_PG_ADMIN_URL
let pgDir: string | undefined
if (!adminUrl) {
  pgDir = mkdtempSync(join(tmpdir(), 'addonkit-bench-pg-'))
  ownPg = await startPostgresServer({ dataDir: join(pgDir, 'pg'), persistent: false })
  adminUrl = ownPg.adminUrl
}
try {
  const ours = await measure('ours (tick 5 s + window announcements)', { AUTOSCALE_TICK_MS: '5000' }, adminUrl)
  const baseline = await measure('baseline (60 s checkups)', { AUTOSCALE_TICK_MS: '60000', AUTOSCALE_WAKE_ON_WINDOWS: 'off' }, adminUrl)
  const stats = (xs: Sample[]) => {
    const ok = xs.map((s) => s.reactionMs).filter((v): v is number => v !== null)
    return { samples: xs.length, reacted: ok.length, p50_s: ok.length ? +(pct(ok, 0.5) / 1000).toFixed(1) : null, p99_s: ok.length ? +(pct(ok, 0.99) / 1000).toFixed(1) : null }
  }
  const result = { apps: APPS, window_s: 10, breach_s: 10, ours: stats(ours), baseline_60s_checkups: stats(baseline) }
  const ratio = result.ours.p99_s && result.baseline_60s_checkups.p99_s ? +(result.ours.p99_s / result.baseline_60s_checkups.p99_s).toFixed(2) : null
  const full = { ...result, ratio_p99_ours_to_baseline: ratio }
  console.log(JSON.stringify(full, null, 2))
  writeBenchResults(fileURLToPath(new URL('.', import.meta.url)), 'reaction', run, full)
} finally {
  await ownPg?.stop()
  if (pgDir) rmSync(pgDir, { recursive: true, force: true })
}
