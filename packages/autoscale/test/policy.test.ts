// Policy validation as the data API sees it: required fields, defaults per metric, and a
// 400's worth of { field, reason } for each kind of mistake; schedules in a time zone.
import t from 'tap'
import { effectiveBounds, localTime, validatePolicy, type Policy } from '../src/index.js'

t.test('required fields and defaults', async (t) => {
  const r = validatePolicy({ enabled: true, min: 1, max: 4 })
  t.ok(r.ok)
  if (!r.ok) return
  t.same(r.policy, { enabled: true, min: 1, max: 4, metric: 'service_p95', upscale_above: 500, downscale_below: 200, upscale_jump: 1, upscale_cooldown_s: 60, downscale_delay_s: 600, breach_s: 30, timezone: 'UTC', schedules: [], release_hold_s: 300, manual_pause_s: 1800 })
  const rpm = validatePolicy({ enabled: false, min: 0, max: 10, metric: 'requests_per_dyno' })
  t.match(rpm, { ok: true, policy: { metric: 'requests_per_dyno', upscale_above: 1200, downscale_below: 400 } }, 'thresholds default per metric')
})

t.test('each mistake names its field and says why', async (t) => {
  const errs = (input: unknown) => { const r = validatePolicy(input); return r.ok ? [] : r.errors }
  t.same(errs({}).map((e) => e.field), ['enabled', 'min', 'max'])
  t.match(errs({ enabled: true, min: 5, max: 2 }), [{ field: 'min', reason: /must not be greater than max \(5 > 2\)/ }])
  t.match(errs({ enabled: true, min: -1, max: 200 }), [{ field: 'min', reason: /between 0 and 100/ }, { field: 'max', reason: /between 0 and 100/ }])
  t.match(errs({ enabled: true, min: 1, max: 2, metric: 'cpu' }), [{ field: 'metric', reason: /unknown metric "cpu"; one of service_p95, queue_p95, requests_per_dyno, load/ }])
  t.match(errs({ enabled: 'yes', min: 1.5, max: 2 }), [{ field: 'enabled', reason: 'must be true or false' }, { field: 'min', reason: 'must be a whole number' }])
  t.match(errs({ enabled: true, min: 1, max: 2, upscale_above: 100, downscale_below: 300 }), [{ field: 'downscale_below', reason: /less than upscale_above/ }])
  t.match(errs({ enabled: true, min: 1, max: 2, upscale_above: -5 }), [{ field: 'upscale_above', reason: /greater than 0/ }])
  t.match(errs({ enabled: true, min: 1, max: 2, upscale_jump: 0 }), [{ field: 'upscale_jump', reason: /between 1 and 100/ }])
  t.match(errs({ enabled: true, min: 1, max: 2, timezone: 'Mars/Olympus' }), [{ field: 'timezone', reason: /unknown time zone/ }])
  t.match(errs({ enabled: true, min: 1, max: 2, minimum: 3 }), [{ field: 'minimum', reason: /unknown field/ }])
  t.match(errs({ enabled: true, min: 1, max: 2, schedules: [{ from: '8:00', to: '18:00', max: 3 }, { from: '08:00', to: '18:00', days: ['mon', 'funday'], min: 4, max: 3 }, { from: '01:00', to: '02:00' }] }), [
    { field: 'schedules[0].from', reason: /HH:MM/ },
    { field: 'schedules[1].days', reason: /mon, tue/ },
    { field: 'schedules[1].min', reason: /not be greater than max/ },
    { field: 'schedules[2]', reason: 'needs min or max' }
  ])
  t.match(errs(null), [{ field: '(body)' }])
  t.match(errs([1]), [{ field: '(body)' }])
})

t.test('schedules: local time of the policy\'s zone, overnight windows, the last one on wins', async (t) => {
  const base = validatePolicy({ enabled: true, min: 1, max: 3, timezone: 'America/New_York', schedules: [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00', min: 4, max: 10 },
    { from: '22:00', to: '06:00', max: 1 },
    { days: ['fri'], from: '12:00', to: '13:00', min: 6 }
  ] })
  t.ok(base.ok)
  const policy = (base as { policy: Policy }).policy
  // 2026-12-07 is a Monday. New York is UTC-5 in December.
  const at = (iso: string) => Date.parse(iso)
  t.same(localTime(at('2026-12-07T14:30:00Z'), 'America/New_York'), { day: 'mon', minutes: 9 * 60 + 30 })
  t.match(effectiveBounds(policy, at('2026-12-07T14:30:00Z')), { min: 4, max: 10, schedule: { from: '08:00' } }, 'Monday 09:30 local: the business-hours window')
  t.match(effectiveBounds(policy, at('2026-12-07T12:30:00Z')), { min: 1, max: 3 }, 'Monday 07:30 local: none')
  t.same(effectiveBounds(policy, at('2026-12-06T14:30:00Z')), { min: 1, max: 3 }, 'Sunday 09:30: not a weekday')
  t.match(effectiveBounds(policy, at('2026-12-08T04:00:00Z')), { min: 1, max: 1 }, 'Monday 23:00 local: the overnight window, min kept within its max')
  t.match(effectiveBounds(policy, at('2026-12-08T10:00:00Z')), { min: 1, max: 1 }, 'Tuesday 05:00 local: still the window that started Monday night')
  t.match(effectiveBounds(policy, at('2026-12-11T17:30:00Z')), { min: 6, max: 6, schedule: { from: '12:00' } }, 'Friday 12:30: the later window wins; what it does not set is the policy\'s, raised to its min')
})

t.test('rate budget: a share of the account\'s limit, nothing while a 429 lasts', async (t) => {
  const { mayCall, rateLimitedUntil } = await import('../src/index.js')
  const now = 1_000_000
  t.same(mayCall({ remaining: null, blockedUntil: null }, 0.5, now), { ok: true }, 'unknown: one call tells')
  t.same(mayCall({ remaining: 2251, blockedUntil: null }, 0.5, now), { ok: true })
  const low = mayCall({ remaining: 2250, blockedUntil: null }, 0.5, now)
  t.match(low, { ok: false, reason: '2250 Platform API calls left for this account; 2250 are kept for the app\'s owner', retryAt: now + 60_000 })
  t.match(mayCall({ remaining: 4000, blockedUntil: now + 5000 }, 0.5, now), { ok: false, retryAt: now + 5000 })
  t.same(mayCall({ remaining: 4000, blockedUntil: now - 1 }, 0.5, now), { ok: true }, 'after the wait')
  t.equal(rateLimitedUntil(now), now + 5000, 'then GET /account/rate-limits (free) says whether it recovered')
  t.equal(rateLimitedUntil(now, 3000), now + 3000)
})
