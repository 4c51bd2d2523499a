// The decision core against the simulator's model of an app, in simulated time (minutes
// in milliseconds): a load step, steady load, a drop, the bounds and schedules, a person's
// scale. The allocator's own part (formation reads, operations, 429, 422, crashes) is
// tested in real time elsewhere.
import t from 'tap'
import { createRng, initialAppState, stepApp, type AppModel } from '@addonkit/heroku-sim'
import { emptyHistogram, quantile, record, validatePolicy, type Policy } from '../src/index.js'
import { runLoop } from './closed-loop.js'

// 50 ms a request on an idle dyno: its own p95 is ~150 ms, well inside the 250–500 ms band.
const MODEL: AppModel = { app: 'shop', rps: 4, serviceMs: 50, concurrency: 1 }

function policy (o: Record<string, unknown> = {}): Policy {
  const r = validatePolicy({ enabled: true, min: 1, max: 20, upscale_above: 500, downscale_below: 250, breach_s: 30, upscale_cooldown_s: 60, downscale_delay_s: 300, ...o })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.policy
}

/** The fewest dynos whose steady-state p95 service time is under `thresholdMs` at `rps`. */
function neededDynos (rps: number, thresholdMs: number): number {
  for (let c = 1; c <= 40; c++) {
    const rng = createRng(11)
    let state = initialAppState(0)
    const h = emptyHistogram()
    for (let s = 0; s < 180; s++) {
      const step = stepApp({ ...MODEL, rps }, state, c, 1, rng)
      state = step.state
      if (s >= 60) for (const l of step.lines) { const ms = Number(/service=(\d+)ms/.exec(l.line)?.[1]); if (Number.isFinite(ms)) record(h, ms) }
    }
    const p95 = quantile(h, 0.95)
    if (p95 !== null && p95 < thresholdMs) return c
  }
  throw new Error('no dyno count is enough')
}

const directionChanges = (changes: Array<{ from: number, to: number }>) => {
  let n = 0
  for (let i = 1; i < changes.length; i++) if (Math.sign(changes[i]!.to - changes[i]!.from) !== Math.sign(changes[i - 1]!.to - changes[i - 1]!.from)) n++
  return n
}

t.test('a 1× → 6× load step: p95 back under the threshold, at most one dyno above what the model needs', async (t) => {
  t.equal(neededDynos(4, 500), 1, 'one dyno serves the base load')
  const needed = neededDynos(24, 500)
  const r = runLoop({ policy: policy(), model: MODEL, load: (s) => s < 120 ? 4 : 24, seconds: 20 * 60, dynos: 1 })
  const final = r.dynos.at(-1)!
  t.comment(`needed ${needed}; changes ${r.changes.map((c) => `${c.at}s ${c.from}→${c.to}`).join(', ')}`)
  t.ok(final >= needed && final <= needed + 1, `settled at ${final} dynos (model needs ${needed})`)
  t.ok(Math.max(...r.dynos) <= needed + 1, `never more than one above (max ${Math.max(...r.dynos)})`)
  const p95 = r.p95(15 * 60, 20 * 60)!
  t.ok(p95 < 500, `p95 over the last 5 minutes ${Math.round(p95)} ms < 500 ms`)
  t.ok(r.changes[0]!.at >= 120 && r.changes[0]!.at < 120 + 60, `the first upscale came ${r.changes[0]!.at - 120} s after the step`)
  t.match(r.changes[0]!.reason, /^p95 service \d+ ms > 500 ms for 30 s → web 1 → 2$/)
})

t.test('steady load: no flapping (at most one change of direction in 10 minutes)', async (t) => {
  for (const rps of [4, 24, 50]) {
    const needed = neededDynos(rps, 500)
    const r = runLoop({ policy: policy(), model: MODEL, load: () => rps, seconds: 10 * 60, dynos: needed, seed: rps })
    t.ok(directionChanges(r.changes) <= 1, `${rps} rps from ${needed} dynos: ${r.changes.map((c) => `${c.from}→${c.to}`).join(', ') || 'no change'}`)
  }
})

t.test('scale-down only after downscale_delay_s below the threshold', async (t) => {
  const r = runLoop({ policy: policy({ downscale_delay_s: 300 }), model: MODEL, load: (s) => s < 600 ? 50 : 2, seconds: 25 * 60, dynos: neededDynos(50, 500) })
  const downs = r.changes.filter((c) => c.to < c.from)
  t.ok(downs.length > 0, 'it scales down once the load fell')
  // A decision at second s is made at the end of it (s + 1).
  t.ok(downs[0]!.at + 1 - 600 >= 300, `the first downscale ${downs[0]!.at + 1 - 600} s after the drop (delay 300 s)`)
  for (let i = 1; i < downs.length; i++) t.ok(downs[i]!.at - downs[i - 1]!.at >= 300, 'and each further one a delay after the previous change')
  t.ok(downs.every((c) => c.from - c.to === 1), 'one dyno at a time')
  t.match(downs[0]!.reason, /^p95 service \d+ ms < 250 ms for 5 min → web \d+ → \d+$/)
})

t.test('min, max and schedules are obeyed', async (t) => {
  const capped = runLoop({ policy: policy({ max: 3 }), model: MODEL, load: () => 120, seconds: 10 * 60, dynos: 1 })
  t.equal(Math.max(...capped.dynos), 3, 'never above max, even overloaded')
  const floored = runLoop({ policy: policy({ min: 2 }), model: MODEL, load: () => 0.2, seconds: 30 * 60, dynos: 5 })
  t.equal(Math.min(...floored.dynos.slice(60)), 2, 'never below min, even idle')
  t.equal(floored.dynos.at(-1), 2)
  // 12:00 UTC start; a window 12:10–12:20 UTC raising min to 4.
  const scheduled = runLoop({ policy: policy({ min: 1, schedules: [{ from: '12:10', to: '12:20', min: 4 }] }), model: MODEL, load: () => 1, seconds: 30 * 60, dynos: 1 })
  t.ok(scheduled.dynos.slice(10 * 60 + 15, 20 * 60).every((d) => d >= 4), 'the schedule\'s min holds during its window (after a boot)')
  t.ok(scheduled.dynos.slice(0, 10 * 60).every((d) => d === 1), 'and not before it')
  t.ok(scheduled.dynos.at(-1)! < 4, 'after the window it scales back down')
  t.match(scheduled.changes[0]!.reason, 'web 1 is below the minimum 4 (schedule 12:10–12:20) → web 1 → 4')
})

t.test('a person\'s scale is not overridden during the pause', async (t) => {
  const r = runLoop({ policy: policy({ manual_pause_s: 600 }), model: MODEL, load: () => 4, seconds: 20 * 60, dynos: 1, manual: [{ at: 120, quantity: 6 }] })
  t.ok(r.dynos.slice(120 + 10, 120 + 600).every((d) => d === 6), 'six dynos for the whole pause, though the load needs one')
  t.ok(r.changes.every((c) => c.at + 1 >= 120 + 600), `the autoscaler made no change before the pause ended (${r.changes.map((c) => `${c.at}s ${c.from}→${c.to}`).join(', ')})`)
  t.ok(r.dynos.at(-1)! < 6, 'after the pause it scales down again')
  t.ok(r.decisions.some((x) => x.at > 120 && x.at < 720 && /scaled by hand to 6/.test(x.d.reason)))
})

t.test('off: the same decisions, none applied', async (t) => {
  const r = runLoop({ policy: policy({ enabled: false }), model: MODEL, load: () => 24, seconds: 5 * 60, dynos: 1 })
  t.same(r.changes, [])
  t.ok(r.decisions.some((x) => x.d.action === 'scale' && !x.d.applied && /not applied/.test(x.d.reason)), 'it says what it would do')
})
