// Router metrics in 10-second windows, per app and process type: request count, status
// classes, router error codes (H12, H13, H11…), service and connect time histograms, and
// the two optional signals: queue time the app reports (`[addonkit] queue=NNNms`, or
// HireFire's `[hirefire:router] queue=NNNms`) and dyno load from log-runtime-metrics
// (`sample#load_avg_1m`). Heroku router lines carry no queue time (protocol §21.5).
import { parseRouterLine, type RouterLine } from '@addonkit/logplex'
import { emptyHistogram, mergeInto, record, type Histogram } from './histogram.js'

export const WINDOW_MS = 10_000

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

export interface RouterWindow {
  /** The app the lines came from (Addonkit: the add-on instance's uuid). */
  app: string
  /** `web`, `worker`…: the part of `dyno=web.2` (or `source=web.2`) before the dot. */
  processType: string
  /** Start of the window, ms since the epoch, a multiple of WINDOW_MS. */
  start: number
  requests: number
  statuses: Record<StatusClass, number>
  /** Router error codes (`at=error code=H12`) and how often each came. */
  errors: Record<string, number>
  service: Histogram
  connect: Histogram
  queue: Histogram
  load: { sum: number, samples: number, max: number }
}

export function emptyWindow (app: string, processType: string, start: number): RouterWindow {
  return {
    app,
    processType,
    start,
    requests: 0,
    statuses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    errors: {},
    service: emptyHistogram(),
    connect: emptyHistogram(),
    queue: emptyHistogram(),
    load: { sum: 0, samples: 0, max: 0 }
  }
}

/** Adds `from` into `into` (same app and type; the window start of `into` is kept). */
export function mergeWindow (into: RouterWindow, from: RouterWindow): RouterWindow {
  into.requests += from.requests
  for (const k of Object.keys(into.statuses) as StatusClass[]) into.statuses[k] += from.statuses[k]
  for (const [code, n] of Object.entries(from.errors)) into.errors[code] = (into.errors[code] ?? 0) + n
  mergeInto(into.service, from.service)
  mergeInto(into.connect, from.connect)
  mergeInto(into.queue, from.queue)
  into.load.sum += from.load.sum
  into.load.samples += from.load.samples
  into.load.max = Math.max(into.load.max, from.load.max)
  return into
}

/** What a log line is to the autoscaler. */
export type LineKind = 'router' | 'router-unparsed' | 'queue' | 'load' | 'other'

export interface FrameLike {
  /** ms since the epoch. */
  time: number
  appName: string
  procId: string
  message: string
}

const QUEUE = /\[(?:addonkit|hirefire:router)\] queue=(\d{1,9}(?:\.\d{1,6})?)ms/
const LOAD = /(?:^|\s)sample#load_avg_1m=(\d{1,6}(?:\.\d{1,6})?)(?:\s|$)/
const SOURCE = /(?:^|\s)source=([-\w]{1,128})\.\d+(?:\s|$)/

/** The queue time an app reported in a line (`[addonkit] queue=NNNms`), or null. */
export function queueTimeOf (message: string): number | null {
  const m = QUEUE.exec(message)
  return m ? Number(m[1]) : null
}

/** `sample#load_avg_1m` of a log-runtime-metrics line, or null. */
export function loadOf (message: string): number | null {
  const m = LOAD.exec(message)
  return m ? Number(m[1]) : null
}

/** The process type of a dyno or PROCID (`web.2` → `web`); null when it is not one. */
export function processTypeOf (dyno: string): string | null {
  const dot = dyno.indexOf('.')
  const type = dot < 0 ? dyno : dyno.slice(0, dot)
  return /^[-\w]{1,128}$/.test(type) ? type : null
}

export interface AggregatorCounters {
  router: number
  /** Router lines that did not parse: ignored, counted. */
  unparsed: number
  queue: number
  load: number
  /** Lines for a window already closed: dropped, counted. */
  late: number
}

/**
 * Accumulates lines into open windows and hands out each window once it has closed:
 * `lateMs` after its end (lines arrive out of order and a little late).
 */
export class WindowAggregator {
  readonly counters: AggregatorCounters = { router: 0, unparsed: 0, queue: 0, load: 0, late: 0 }
  readonly #open = new Map<string, RouterWindow>()
  /** Per app, the start of the oldest window still accepted. */
  readonly #closedBefore = new Map<string, number>()
  readonly #lateMs: number

  constructor (opts: { lateMs?: number } = {}) {
    this.#lateMs = opts.lateMs ?? 2000
  }

  /** Classifies one line and, when it counts, adds it to its window. */
  add (app: string, f: FrameLike): LineKind {
    if (f.appName === 'heroku' && f.procId === 'router') {
      const r = parseRouterLine(f.message)
      if (!r) { this.counters.unparsed++; return 'router-unparsed' }
      this.addRouter(app, f.time, r)
      return 'router'
    }
    if (f.appName === 'app') {
      const ms = queueTimeOf(f.message)
      if (ms === null) return 'other'
      const type = processTypeOf(f.procId)
      if (type) this.addQueue(app, f.time, type, ms)
      return 'queue'
    }
    if (f.appName === 'heroku') {
      const load = loadOf(f.message)
      if (load === null) return 'other'
      const type = SOURCE.exec(f.message)?.[1] ?? processTypeOf(f.procId)
      if (type) this.addLoad(app, f.time, type, load)
      return 'load'
    }
    return 'other'
  }

  /** A parsed router line (the caller read it already). */
  addRouter (app: string, time: number, r: RouterLine): void {
    // Only web dynos get router traffic; an H10/H14 line names no dyno.
    const w = this.#window(app, r.dyno === '' ? 'web' : processTypeOf(r.dyno) ?? 'web', time)
    if (!w) return
    this.counters.router++
    w.requests++
    const cls = `${Math.min(5, Math.max(1, Math.floor(r.status / 100)))}xx` as StatusClass
    w.statuses[cls]++
    if (r.at === 'error' && r.code) w.errors[r.code] = (w.errors[r.code] ?? 0) + 1
    if (r.serviceMs !== null) record(w.service, r.serviceMs)
    if (r.connectMs !== null) record(w.connect, r.connectMs)
  }

  addQueue (app: string, time: number, processType: string, ms: number): void {
    const w = this.#window(app, processType, time)
    if (!w) return
    this.counters.queue++
    record(w.queue, ms)
  }

  addLoad (app: string, time: number, processType: string, load: number): void {
    const w = this.#window(app, processType, time)
    if (!w) return
    this.counters.load++
    w.load.sum += load
    w.load.samples++
    w.load.max = Math.max(w.load.max, load)
  }

  /** The windows that closed by `now` (end + lateMs ≤ now), oldest first; they are forgotten. */
  flush (now: number): RouterWindow[] {
    this.#last = undefined
    const out: RouterWindow[] = []
    for (const [key, w] of this.#open) {
      if (w.start + WINDOW_MS + this.#lateMs > now) continue
      this.#open.delete(key)
      out.push(w)
    }
    const edge = Math.floor((now - this.#lateMs) / WINDOW_MS) * WINDOW_MS - WINDOW_MS
    for (const w of out) this.#closedBefore.set(w.app, Math.max(this.#closedBefore.get(w.app) ?? 0, w.start + WINDOW_MS))
    for (const [app, before] of this.#closedBefore) if (before < edge - 60 * WINDOW_MS) this.#closedBefore.delete(app)
    return out.sort((a, b) => a.start - b.start)
  }

  /** Every open window, closed or not (shutdown). */
  flushAll (): RouterWindow[] {
    this.#last = undefined
    const out = [...this.#open.values()].sort((a, b) => a.start - b.start)
    this.#open.clear()
    return out
  }

  get openWindows (): number { return this.#open.size }

  #window (app: string, processType: string, time: number): RouterWindow | null {
    const start = Math.floor(time / WINDOW_MS) * WINDOW_MS
    // Lines come in runs of one app and window (a drain batch): the last window found
    // answers most of them without building a key.
    const last = this.#last
    if (last !== undefined && last.start === start && last.app === app && last.processType === processType) return last
    if (start < (this.#closedBefore.get(app) ?? -Infinity)) { this.counters.late++; return null }
    const key = `${app}\u0000${processType}\u0000${start}`
    let w = this.#open.get(key)
    if (!w) { w = emptyWindow(app, processType, start); this.#open.set(key, w) }
    this.#last = w
    return w
  }

  /** The window the last line went to; forgotten when windows are handed out. */
  #last: RouterWindow | undefined
}
