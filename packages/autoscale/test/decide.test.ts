// The decision, scenario by scenario, with the reasons a customer reads.
import t from 'tap'
import { WINDOW_MS, decide, emptyWindow, record, validatePolicy, type AutoscaleState, type Policy, type RouterWindow } from '../src/index.js'

const NOW = Date.parse('2026-12-07T12:00:05Z')
const END = Math.floor(NOW / WINDOW_MS) * WINDOW_MS

function policy (o: Record<string, unknown> = {}): Policy {
  const r = validatePolicy({ enabled: true, min: 1, max: 10, ...o })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.policy
}

/** Windows of the last `seconds` with `perWindow` requests of `serviceMs` each. */
function steady (seconds: number, serviceMs: number, perWindow = 20, endAt = END): RouterWindow[] {
  const out: RouterWindow[] = []
  for (let start = endAt - seconds * 1000; start < endAt; start += WINDOW_MS) {
    const w = emptyWindow('app', 'web', start)
    w.requests = perWindow
    w.statuses['2xx'] = perWindow
    record(w.service, serviceMs, perWindow)
    out.push(w)
  }
  return out
}

const run = (p: Policy, quantity: number, windows: RouterWindow[], state: AutoscaleState = {}, now = NOW) => decide({ policy: p, processType: 'web', quantity, windows, now, state })

t.test('a breach over breach_s scales up by the jump, with the reason', async (t) => {
  const d = run(policy(), 2, steady(30, 812))
  t.match(d, { action: 'scale', from: 2, to: 3, direction: 'up', applied: true })
  t.match(d.reason, /^p95 service \d+ ms > 500 ms for 30 s → web 2 → 3$/)
  t.ok(Math.abs(d.value! - 812) / 812 < 0.05)
  t.match(run(policy({ upscale_jump: 3 }), 2, steady(30, 812)), { to: 5 }, 'upscale_jump')
  t.match(run(policy({ max: 4, upscale_jump: 3 }), 2, steady(30, 812)), { to: 4 }, 'never past max')
})

t.test('off: the same decision, not applied, and says so', async (t) => {
  const d = run(policy({ enabled: false }), 2, steady(30, 812))
  t.match(d, { action: 'scale', to: 3, applied: false })
  t.match(d.reason, /\(autoscaling is off: not applied\)$/)
})

t.test('holds: at max, cooldown, a person\'s scale, a release', async (t) => {
  t.match(run(policy({ max: 2 }), 2, steady(30, 812)), { action: 'hold', to: 2, reason: /but web is at the maximum 2/ })
  t.match(run(policy(), 2, steady(30, 812), { lastChange: { at: NOW - 20_000, from: 1, to: 2, by: 'autoscaler' } }), { action: 'hold', reason: /changed 20 s ago \(upscale cooldown 60 s\)/ })
  t.match(run(policy(), 2, steady(30, 812), { lastChange: { at: NOW - 61_000, from: 1, to: 2, by: 'autoscaler' } }), { action: 'scale', to: 3 }, 'after the cooldown')
  const manual = run(policy(), 5, steady(30, 812), { lastChange: { at: NOW - 60_000, from: 2, to: 5, by: 'person' } })
  t.match(manual, { action: 'hold', to: 5, reason: /web was scaled by hand to 5 at 11:59:05 UTC; autoscaling pauses until 12:29:05 UTC/ })
  t.match(run(policy(), 1, steady(30, 812), { lastChange: { at: NOW - 60_000, from: 2, to: 1, by: 'person' } }), { action: 'hold' }, 'even below the minimum: the person wins during the pause')
  t.match(run(policy(), 2, steady(30, 812), { lastReleaseAt: NOW - 100_000 }), { action: 'hold', reason: /release at 11:58:25 UTC; holding until 12:03:25 UTC/ })
})

t.test('bounds are enforced at once, schedules included', async (t) => {
  t.match(run(policy({ min: 3 }), 1, []), { action: 'scale', to: 3, reason: 'web 1 is below the minimum 3 → web 1 → 3' })
  t.match(run(policy({ max: 4 }), 9, steady(600, 50)), { action: 'scale', to: 4, reason: /above the maximum 4/ })
  const p = policy({ schedules: [{ from: '11:00', to: '13:00', min: 5 }] })
  t.match(run(p, 2, []), { action: 'scale', to: 5, reason: 'web 2 is below the minimum 5 (schedule 11:00–13:00) → web 2 → 5' })
})

t.test('downscale: one dyno, only after downscale_delay_s below, and that long after a change', async (t) => {
  const p = policy({ downscale_delay_s: 600 })
  const d = run(p, 4, steady(600, 60))
  t.match(d, { action: 'scale', to: 3, direction: 'down' })
  t.match(d.reason, /^p95 service \d+ ms < 200 ms for 10 min → web 4 → 3$/)
  const recent = [...steady(600, 400, 20, END - 300_000), ...steady(300, 60)]
  t.match(run(p, 4, recent), { action: 'none', to: 4, reason: /below 200 ms since 11:55:00 UTC; scaling down after 10 min/ }, 'not yet: below for 5 minutes only')
  t.match(run(p, 4, steady(600, 60), { lastChange: { at: NOW - 120_000, from: 3, to: 4, by: 'autoscaler' } }), { action: 'none', reason: /changed 120 s ago, scaling down 10 min after a change/ })
  t.match(run(p, 1, steady(600, 60)), { action: 'none', to: 1 }, 'never below min')
  t.match(run(p, 3, []), { action: 'scale', to: 2, reason: 'no requests for 10 min → web 3 → 2' }, 'no traffic at all is below')
})

t.test('within the band, or too little traffic: nothing', async (t) => {
  t.match(run(policy(), 2, steady(600, 300)), { action: 'none', to: 2, reason: /^p95 service \d+ ms within 200 ms–500 ms$/ })
  t.match(run(policy({ min: 2 }), 2, steady(30, 900, 1)), { action: 'none', reason: 'not enough traffic to judge (3 requests in 30 s)' })
})

t.test('requests per dyno: the step the traffic needs, and no downscale that would flap back', async (t) => {
  const p = policy({ metric: 'requests_per_dyno', upscale_above: 600, downscale_below: 300 })
  // 3,000 requests a minute on 2 dynos: 1,500 per dyno; 600 per dyno needs 5.
  const d = run(p, 2, steady(30, 50, 500))
  t.match(d, { action: 'scale', to: 5, reason: /^1\d{3} requests\/min per dyno > 600 for 30 s → web 2 → 5$/ })
  // 2 dynos at 280 per dyno: one fewer would be 560, under 600: down.
  t.match(run(p, 2, steady(600, 50, 93)), { action: 'scale', to: 1 })
  const flap = policy({ metric: 'requests_per_dyno', upscale_above: 400, downscale_below: 300 })
  t.match(run(flap, 2, steady(600, 50, 96)), { action: 'none', to: 2 }, '2 dynos at 288 each: one would carry 576 > 400, so it stays')
  t.match(run(flap, 2, steady(600, 50, 48)), { action: 'scale', to: 1 }, '2 dynos at 144 each: one carries 288, fine')
})

t.test('queue and load metrics', async (t) => {
  const q = steady(30, 20)
  for (const w of q) record(w.queue, 250, 20)
  t.match(run(policy({ metric: 'queue_p95' }), 1, q), { action: 'scale', to: 2, reason: /^p95 queue \d+ ms > 100 ms for 30 s/ })
  const l = steady(30, 20).map((w) => ({ ...w, load: { sum: 6, samples: 3, max: 2.5 } }))
  t.match(run(policy({ metric: 'load' }), 1, l), { action: 'scale', to: 2, reason: /^load 2\.00 > 1\.50 for 30 s/ })
  t.match(run(policy({ metric: 'load', min: 2 }), 2, []), { action: 'none', reason: /not enough traffic/ }, 'no samples: no judgement')
})

t.test('the window still filling counts for an upscale, not for a downscale', async (t) => {
  const open = emptyWindow('app', 'web', END)
  open.requests = 100
  record(open.service, 5000, 100)
  t.match(run(policy(), 2, [...steady(30, 300), open]), { action: 'scale', to: 3 }, 'a breach is acted on as it is seen')
  const quiet = emptyWindow('app', 'web', END)
  quiet.requests = 20
  record(quiet.service, 50, 20)
  t.match(run(policy(), 3, [...steady(600, 300), quiet]), { action: 'none', to: 3 }, 'a quiet open window does not make ten minutes quiet')
})

t.test('service time low only because there are enough dynos: no downscale that would overload the rest', async (t) => {
  // 2 dynos, 20 requests a second taking ~80 ms: one dyno would run at ~160 %.
  const busy = steady(600, 80, 200)
  const d = run(policy({ downscale_below: 100 }), 2, busy)
  t.match(d, { action: 'none', to: 2, reason: /but web 1 would run at ~1\d\d % \(70 % at most\): staying at 2/ })
  // 2 requests a second of ~80 ms: one dyno at ~16 %: down.
  t.match(run(policy({ downscale_below: 100 }), 2, steady(600, 80, 20)), { action: 'scale', to: 1 })
})
