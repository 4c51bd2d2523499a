// A closed loop in simulated time: the simulator's queueing model of an app (its router
// lines, from offered load and the web dyno count), the windows aggregated from those lines,
// and decide() every tick, each applied decision changing the dyno count after a boot delay.
// What the allocator does around decide() (reading the formation, the operation) is not
// here: the end-to-end tests cover it in real time.
import { createRng, initialAppState, stepApp, type AppModel } from '@addonkit/heroku-sim'
import { decide, WindowAggregator, WINDOW_MS, type AutoscaleState, type Decision, type Policy, type RouterWindow, quantile, emptyHistogram, mergeInto } from '../src/index.js'

export interface LoopOptions {
  policy: Policy
  model: AppModel
  /** Offered load (requests per second) at simulated second t. */
  load: (t: number) => number
  seconds: number
  dynos: number
  /** Seconds between decisions (the allocator's tick). Default 5. */
  tickS?: number
  /** Seconds a new dyno takes before it serves. Default 10. */
  bootS?: number
  /** A person's scale at a second. */
  manual?: Array<{ at: number, quantity: number }>
  start?: number
  seed?: number
}

export interface LoopResult {
  /** Web dynos serving, per simulated second. */
  dynos: number[]
  /** Changes made by the autoscaler: second, from, to. */
  changes: Array<{ at: number, from: number, to: number, reason: string }>
  decisions: Array<{ at: number, d: Decision }>
  windows: RouterWindow[]
  /** p95 service time (ms) over [from, to) simulated seconds. */
  p95 (from: number, to: number): number | null
}

export function runLoop (o: LoopOptions): LoopResult {
  const start = o.start ?? Date.parse('2026-12-07T12:00:00Z')
  const tickS = o.tickS ?? 5
  const bootS = o.bootS ?? 10
  const rng = createRng(o.seed ?? 7)
  const agg = new WindowAggregator({ lateMs: 0 })
  const windows: RouterWindow[] = []
  let appState = initialAppState(start)
  let target = o.dynos
  let serving = o.dynos
  const pending: Array<{ at: number, to: number }> = []
  const state: AutoscaleState = {}
  const result: LoopResult = { dynos: [], changes: [], decisions: [], windows, p95: () => null }
  for (let s = 0; s < o.seconds; s++) {
    const now = start + s * 1000
    for (const m of o.manual ?? []) {
      if (m.at === s) { state.lastChange = { at: now, from: target, to: m.quantity, by: 'person' }; target = m.quantity; pending.push({ at: s + (m.quantity > serving ? bootS : 0), to: m.quantity }) }
    }
    while (pending.length && pending[0]!.at <= s) serving = pending.shift()!.to
    const step = stepApp({ ...o.model, rps: o.load(s) }, appState, serving, 1, rng)
    appState = step.state
    for (const l of step.lines) agg.add('app', { time: l.at.getTime(), appName: 'heroku', procId: 'router', message: l.line })
    windows.push(...agg.flush(now + 1000))
    result.dynos.push(serving)
    if (s % tickS === tickS - 1) {
      const d = decide({ policy: o.policy, processType: 'web', quantity: target, windows, now: now + 1000, state, observedSince: start })
      result.decisions.push({ at: s, d })
      if (d.action === 'scale' && d.applied) {
        result.changes.push({ at: s, from: target, to: d.to, reason: d.reason })
        state.lastChange = { at: now + 1000, from: target, to: d.to, by: 'autoscaler' }
        target = d.to
        // A new dyno serves after it booted; a dyno going away stops at once.
        pending.push({ at: s + (d.to > serving ? bootS : 1), to: d.to })
        pending.sort((a, b) => a.at - b.at)
      }
    }
  }
  result.p95 = (from, to) => {
    const h = emptyHistogram()
    for (const w of windows) if (w.start >= start + from * 1000 && w.start + WINDOW_MS <= start + to * 1000) mergeInto(h, w.service)
    return quantile(h, 0.95)
  }
  return result
}
