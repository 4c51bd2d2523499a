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

export interface VariantSummary {
  name: string
  /** Every round's result, in order. */
  rounds: LoadResult[]
  /** Calls per second over all rounds. */
  perSecond: number
  /** Median over rounds of this variant's throughput divided by the baseline's in the same round. */
  medianRatio: number
  /** Median over rounds of the rounds' p50 and p99 latencies (ms). */
  p50: number
  p99: number
}

/**
 * Compares variants of one service under the same load on a shared, noisy machine: rounds
 * alternate between the variants (the order rotating each round), so drift in the
 * machine's speed reaches all of them alike; each variant's throughput is divided by the
 * first variant's (the baseline) in the same round and the median of those ratios is
 * reported.
 */
export async function compareInterleaved (variants: string[], rounds: number, runRound: (variant: string, round: number) => Promise<LoadResult>): Promise<VariantSummary[]> {
  const results = new Map<string, LoadResult[]>(variants.map((v) => [v, []]))
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + r) % variants.length]!
      results.get(v)!.push(await runRound(v, r))
    }
  }
  const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2 }
  const base = results.get(variants[0]!)!
  return variants.map((name) => {
    const rs = results.get(name)!
    const calls = rs.reduce((a, r) => a + r.calls, 0)
    const ms = rs.reduce((a, r) => a + r.elapsedMs, 0)
    return {
      name,
      rounds: rs,
      perSecond: calls / (ms / 1000),
      medianRatio: median(rs.map((r, i) => r.perSecond / base[i]!.perSecond)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99))
    }
  })
}
