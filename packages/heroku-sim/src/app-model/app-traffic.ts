// The app model run in real time: every `tickMs` it reads the app's `web` quantity from the
// sim's formation (so scaling, by an autoscaler or by hand, changes what comes next), steps
// the model over the tick just past, and sends the router lines it logged through the
// Logplex drain sender (logplex/drain-sender.ts) as `heroku router` frames (PRI 158) to the
// add-on's drain. Stepping by hand (`autoStart: false`, then `tick()`) gives a test full
// control of time; the lines are still stamped in simulated time from the start.
import type { SimApp } from '../types.js'
import { createDrainSender, type DrainSender, type DrainSenderOptions } from '../logplex/drain-sender.js'
import { type AppModel, type AppModelState, type AppStep, initialAppState, stepApp, webDynosOf } from './app-model.js'
import { createRng } from './seeded-rng.js'

export interface AppTrafficOptions {
  model: AppModel
  /** Where the formation is read before each step: a HerokuSim, or a HerokuSide (remote sims). */
  sim?: { app (idOrName: string): SimApp | undefined | Promise<SimApp | undefined> }
  /** The app's id or name in `sim`; default `model.app`. */
  app?: string
  /** Instead of `sim`: the web dyno count, read before each step. */
  webDynos?: () => number | Promise<number>
  /** The add-on's log_drain_url and log_drain_token. */
  drainUrl: string
  drainToken: string
  /** Same seed, same formation changes → same lines. Default 1. */
  seed?: number | string
  /** Simulated (and real) time per step; default 1000 ms. */
  tickMs?: number
  /** Step on a timer from now on; default true. With false, call `tick()`. */
  autoStart?: boolean
  /** Simulated start time (ms since the epoch); default now. */
  startAt?: number
  /** More drain sender options (ca, userAgent, maxAttempts…). */
  sender?: Partial<Omit<DrainSenderOptions, 'drainUrl' | 'drainToken'>>
}

export interface AppTraffic {
  /** Advances one step now; resolves when its lines were acknowledged or dropped by the drain. */
  tick (): Promise<AppStep>
  /** Changes the offered load (requests per second) from the next step on. */
  setLoad (rps: number): void
  readonly model: AppModel
  readonly state: AppModelState
  /** Every step taken so far (lines, web dynos, utilization). */
  readonly steps: AppStep[]
  readonly sender: DrainSender
  /** The last error of a timed step (reading the formation, or sending), if any. */
  readonly lastError: Error | undefined
  /** Stops the timer, sends what is queued and closes the sender. */
  stop (): Promise<void>
}

export function startAppTraffic (opts: AppTrafficOptions): AppTraffic {
  if (!opts.sim && !opts.webDynos) throw new TypeError('startAppTraffic needs `sim` (and `app`) or `webDynos`')
  const model: AppModel = { ...opts.model }
  const tickMs = opts.tickMs ?? 1000
  const rng = createRng(opts.seed ?? 1)
  const sender = createDrainSender({ ...opts.sender, drainUrl: opts.drainUrl, drainToken: opts.drainToken })
  const start = opts.startAt ?? Date.now()
  const steps: AppStep[] = []
  let state = initialAppState(start)
  let lastError: Error | undefined
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()

  async function webDynos (): Promise<number> {
    if (opts.webDynos) return opts.webDynos()
    const app = await opts.sim!.app(opts.app ?? model.app)
    return app ? webDynosOf(app.formation) : 0
  }

  async function tick (): Promise<AppStep> {
    const step = stepApp(model, state, await webDynos(), tickMs / 1000, rng)
    state = step.state
    steps.push(step)
    sender.push(step.lines.map((r) => ({ message: r.line, at: r.at, appName: 'heroku', procId: 'router', pri: 158 })))
    await sender.flush()
    return step
  }

  // Step n covers [start + (n-1)·tick, start + n·tick) and runs when that time has passed;
  // a failed step (the sim not answering) is tried again a tick later.
  function schedule (failed = false): void {
    if (stopped) return
    timer = setTimeout(() => {
      running = tick().then(() => schedule(), (err: unknown) => { lastError = err as Error; schedule(true) })
    }, failed ? tickMs : Math.max(0, start + (steps.length + 1) * tickMs - Date.now()))
  }
  if (opts.autoStart !== false) schedule()

  return {
    tick,
    setLoad (rps) { model.rps = rps },
    model,
    get state () { return state },
    steps,
    sender,
    get lastError () { return lastError },
    async stop () {
      stopped = true
      clearTimeout(timer)
      await running
      await sender.flush()
      sender.close()
    }
  }
}
