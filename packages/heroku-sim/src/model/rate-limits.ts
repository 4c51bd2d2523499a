// The Platform API's rate limit (protocol §21.2): a token bucket per account, 4,500 tokens
// refilled continuously at 75 a minute by default. Each request spends one token; an empty
// bucket answers 429. Buckets refill lazily (computed when read), so no timers run.

export interface RateLimitConfig { capacity: number, refillPerMinute: number }

interface Bucket { tokens: number, at: number }

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>()

  constructor (readonly config: RateLimitConfig, private readonly now: () => number = Date.now) {}

  /** Whole tokens left in the account's bucket now. */
  remaining (account: string): number {
    return Math.floor(this.#refilled(account).tokens)
  }

  /** Spends one token; false (and nothing spent) when the bucket has less than one. */
  take (account: string): boolean {
    const bucket = this.#refilled(account)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  set (account: string, remaining: number): void {
    const tokens = Math.max(0, Math.min(this.config.capacity, remaining))
    this.#buckets.set(account, { tokens, at: this.now() })
  }

  #refilled (account: string): Bucket {
    const now = this.now()
    let bucket = this.#buckets.get(account)
    if (!bucket) {
      bucket = { tokens: this.config.capacity, at: now }
      this.#buckets.set(account, bucket)
      return bucket
    }
    const perMs = this.config.refillPerMinute / 60_000
    bucket.tokens = Math.min(this.config.capacity, bucket.tokens + (now - bucket.at) * perMs)
    bucket.at = now
    return bucket
  }
}
