// A bounded closed-loop load generator for benchmarks: `concurrency` workers each run `fn`
// back to back until `total` calls or `maxMs` have passed (whichever first). Targets only
// what `fn` calls (the benchmarks call 127.0.0.1).

export interface LoadResult {
  calls: number
  errors: number
  elapsedMs: number
  perSecond: number
  p50: number
  p99: number
  max: number
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!
}

export async function runLoad (opts: { concurrency: number, total: number, maxMs: number, fn: (i: number) => Promise<boolean> }): Promise<LoadResult> {
  const latencies: number[] = []
  let next = 0
  let errors = 0
  const start = performance.now()
  const deadline = start + opts.maxMs
  async function worker () {
    while (next < opts.total && performance.now() < deadline) {
      const i = next++
      const t0 = performance.now()
      let ok = false
      try { ok = await opts.fn(i) } catch { ok = false }
      latencies.push(performance.now() - t0)
      if (!ok) errors++
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, worker))
  const elapsedMs = performance.now() - start
  latencies.sort((a, b) => a - b)
  return { calls: latencies.length, errors, elapsedMs, perSecond: latencies.length / (elapsedMs / 1000), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] ?? NaN }
}

export function formatRow (label: string, r: LoadResult): string {
  return `| ${label} | ${r.calls} | ${r.errors} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`
}
