// How busy ingestion is, in memory shared between the service's threads: what the writer
// (in its own thread) looks at to let drain requests have the CPU first (issue 4: Logplex
// drops lines it cannot deliver, so a slow acknowledgement costs lines; a slow store only
// costs freshness).
//
// Two signals, because either one alone misses load:
// - drain requests in flight, from the first byte to the answer (aborted uploads included):
//   high while answers wait on JetStream;
// - the main thread's event-loop utilization, sampled every 100 ms: high while requests
//   queue in the kernel's socket buffers because the thread is busy. Measured here under
//   16 connections of 100 KB bodies: the in-flight count alone was below 8 most of the
//   time although the thread was saturated.
import { performance } from 'node:perf_hooks'

const INFLIGHT = 0
const UTILIZATION = 1
/** Busy from this many drain requests in flight… */
export const BUSY_INFLIGHT = 8
/**
 * …or from this share of the main thread's time, in thousandths: saturated. Measured once here
 * (100 ms samples): under 16 connections of 100 KB bodies 95 % of samples were ≥ 944; at a
 * paced 120k lines/s (240 POST/s) with the writer storing at full speed the median was
 * 383 and 1.3 % of samples reached 800.
 */
export const BUSY_UTILIZATION = 850
const SAMPLE_MS = 100
const WINDOW_SAMPLES = 3

export class IngestLoad {
  /** The shared memory: pass `shared` to a worker and wrap it there with `new IngestLoad(shared)`. */
  readonly shared: Int32Array

  constructor (shared?: Int32Array) {
    this.shared = shared ?? new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT))
  }

  requestStarted (): void { Atomics.add(this.shared, INFLIGHT, 1) }
  requestEnded (): void { Atomics.sub(this.shared, INFLIGHT, 1) }
  inflight (): number { return Atomics.load(this.shared, INFLIGHT) }
  /** The main thread's event-loop utilization over the last 300 ms, in thousandths (0 until sampled). */
  utilization (): number { return Atomics.load(this.shared, UTILIZATION) }

  busy (): boolean {
    return this.inflight() >= BUSY_INFLIGHT || this.utilization() >= BUSY_UTILIZATION
  }

  /**
   * Samples the calling thread's event-loop utilization every 100 ms until the returned
   * function is called. Only for a writer in another thread: a writer on the same event
   * loop would count its own work and yield to itself.
   */
  sampleUtilization (): () => void {
    // Over the last 300 ms, updated every 100 ms: one long GC or one large body does not
    // make the thread look saturated.
    const snapshots = [performance.eventLoopUtilization()]
    const timer = setInterval(() => {
      const now = performance.eventLoopUtilization()
      const since = snapshots.length < WINDOW_SAMPLES ? snapshots[0]! : snapshots.shift()!
      Atomics.store(this.shared, UTILIZATION, Math.round(performance.eventLoopUtilization(now, since).utilization * 1000))
      snapshots.push(now)
    }, SAMPLE_MS)
    timer.unref()
    return () => { clearInterval(timer); Atomics.store(this.shared, UTILIZATION, 0) }
  }
}
