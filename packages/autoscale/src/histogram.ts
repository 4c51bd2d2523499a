// Latency histograms that merge by adding: 128 log-spaced buckets of 1/8 octave each,
// from 0 ms to ~65 s, so a window from several writers, or several windows, is one array
// sum, and a percentile is read to within ~9 % of the true value. Compact on the wire:
// only non-empty buckets are sent ([index, count] pairs).

export const BUCKETS = 128
const PER_OCTAVE = 8

export type Histogram = number[]

export function emptyHistogram (): Histogram {
  return new Array<number>(BUCKETS).fill(0)
}

/** The bucket of a duration in ms (negative and non-finite values count as 0 ms; beyond ~65 s, the last). */
export function bucketOf (ms: number): number {
  if (!(ms > 0)) return 0
  return Math.min(BUCKETS - 1, Math.floor(PER_OCTAVE * Math.log2(ms + 1)))
}

/** The duration a bucket stands for: the middle of its range (geometric), in ms. */
export function bucketValue (i: number): number {
  const lo = 2 ** (i / PER_OCTAVE) - 1
  const hi = 2 ** ((i + 1) / PER_OCTAVE) - 1
  return Math.sqrt(Math.max(lo, 0.5) * hi)
}

export function record (h: Histogram, ms: number, n = 1): void {
  h[bucketOf(ms)]! += n
}

export function mergeInto (into: Histogram, from: Histogram): Histogram {
  for (let i = 0; i < BUCKETS; i++) into[i]! += from[i] ?? 0
  return into
}

export function countOf (h: Histogram): number {
  let n = 0
  for (let i = 0; i < BUCKETS; i++) n += h[i]!
  return n
}

/** The q-quantile (0 < q ≤ 1) in ms; null for an empty histogram. */
export function quantile (h: Histogram, q: number): number | null {
  const total = countOf(h)
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(q * total))
  let seen = 0
  for (let i = 0; i < BUCKETS; i++) {
    seen += h[i]!
    if (seen >= rank) return bucketValue(i)
  }
  return bucketValue(BUCKETS - 1)
}

/** Non-empty buckets as [index, count] pairs. */
export function toSparse (h: Histogram): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let i = 0; i < BUCKETS; i++) if (h[i]! > 0) out.push([i, h[i]!])
  return out
}

/** The histogram of [index, count] pairs; pairs out of range or not whole counts are ignored. */
export function fromSparse (pairs: ReadonlyArray<readonly [number, number]>): Histogram {
  const h = emptyHistogram()
  for (const [i, n] of pairs) if (Number.isInteger(i) && i >= 0 && i < BUCKETS && Number.isInteger(n) && n > 0) h[i]! += n
  return h
}

/** The mean in ms (each bucket counted at its value); null for an empty histogram. */
export function meanOf (h: Histogram): number | null {
  let n = 0
  let sum = 0
  for (let i = 0; i < BUCKETS; i++) { n += h[i]!; sum += h[i]! * bucketValue(i) }
  return n === 0 ? null : sum / n
}
