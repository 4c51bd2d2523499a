// A window as it travels (NATS, packages/contracts RouterWindowsMessage) and as it is
// stored (router_windows): histograms as non-empty [bucket, count] pairs or full arrays,
// statuses as an array 1xx..5xx.
import { BUCKETS, emptyHistogram, fromSparse, toSparse } from './histogram.js'
import { emptyWindow, type RouterWindow, type StatusClass } from './router-window.js'

const CLASSES: StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx']

export interface WireWindow {
  processType: string
  start: number
  requests: number
  statuses: number[]
  errors: Record<string, number>
  service: Array<[number, number]>
  connect: Array<[number, number]>
  queue: Array<[number, number]>
  load: { sum: number, samples: number, max: number }
}

export function toWire (w: RouterWindow): WireWindow {
  return {
    processType: w.processType,
    start: w.start,
    requests: w.requests,
    statuses: CLASSES.map((c) => w.statuses[c]),
    errors: { ...w.errors },
    service: toSparse(w.service),
    connect: toSparse(w.connect),
    queue: toSparse(w.queue),
    load: { ...w.load }
  }
}

export function fromWire (app: string, w: WireWindow): RouterWindow {
  const out = emptyWindow(app, w.processType, w.start)
  out.requests = w.requests
  CLASSES.forEach((c, i) => { out.statuses[c] = w.statuses[i] ?? 0 })
  out.errors = { ...w.errors }
  out.service = fromSparse(w.service)
  out.connect = fromSparse(w.connect)
  out.queue = fromSparse(w.queue)
  out.load = { ...w.load }
  return out
}

/** What a router_windows row holds, full arrays. */
export interface StoredWindow {
  processType: string
  start: number
  requests: number
  statuses: number[]
  errors: Record<string, number>
  service: number[]
  connect: number[]
  queue: number[]
  loadSum: number
  loadSamples: number
  loadMax: number
}

export function toStored (w: RouterWindow): StoredWindow {
  return { processType: w.processType, start: w.start, requests: w.requests, statuses: CLASSES.map((c) => w.statuses[c]), errors: { ...w.errors }, service: [...w.service], connect: [...w.connect], queue: [...w.queue], loadSum: w.load.sum, loadSamples: w.load.samples, loadMax: w.load.max }
}

export function fromStored (app: string, s: StoredWindow): RouterWindow {
  const out = emptyWindow(app, s.processType, s.start)
  out.requests = s.requests
  CLASSES.forEach((c, i) => { out.statuses[c] = s.statuses[i] ?? 0 })
  out.errors = { ...s.errors }
  const full = (a: number[]) => { const h = emptyHistogram(); for (let i = 0; i < Math.min(BUCKETS, a.length); i++) h[i] = a[i] ?? 0; return h }
  out.service = full(s.service)
  out.connect = full(s.connect)
  out.queue = full(s.queue)
  out.load = { sum: s.loadSum, samples: s.loadSamples, max: s.loadMax }
  return out
}
