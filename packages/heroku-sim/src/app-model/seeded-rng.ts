// A small seeded random number generator (mulberry32), so the app model's traffic is the
// same on every run with the same seed: tests can assert exact lines. Not for secrets.

export interface Rng {
  /** Uniform in [0, 1). */
  next (): number
  /** Uniform integer in [0, n). */
  int (n: number): number
  /** Exponentially distributed with this mean. */
  exponential (mean: number): number
  /** A version-4-shaped UUID made of this generator's bits. */
  uuid (): string
}

export function createRng (seed: number | string): Rng {
  let a = typeof seed === 'number' ? seed >>> 0 : hashSeed(seed)
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return {
    next,
    int: (n) => Math.floor(next() * n),
    // 1 - next() is in (0, 1], so the logarithm is finite.
    exponential: (mean) => -Math.log(1 - next()) * mean,
    uuid () {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16))
      hex[12] = '4'
      hex[16] = (8 + Math.floor(next() * 4)).toString(16)
      const s = hex.join('')
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
    }
  }
}

/** FNV-1a over the string's UTF-16 units. */
function hashSeed (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}
