// Limits failed SSO attempts per source address (a sliding window kept in memory): once an
// address has failed `max` times within `windowMs`, its SSO requests that fail verification
// get 429 until the oldest failure leaves the window. Only requests whose token or timestamp
// does not verify are counted or limited (sso-login.ts): a signed request is never refused
// here. Kept in memory; with N dashboard replicas each allows 1/N of `max` (the `share` it is
// given: the replicas it hears from, service-kit replicas.ts), so behind a balancer that
// spreads requests an address gets about `max` failures in all, not `max` on each; but no
// replica allows fewer than `minPerReplica` (or `max` when that is smaller), so many replicas
// cannot round the limit down to a handful that a burst of honest mistakes would reach.

export interface FailureLimit {
  max: number
  windowMs: number
  /** The least one replica allows, whatever the replica count (capped at `max`). Default 30. */
  minPerReplica?: number
}

/** Default floor of one replica's share of `max`. */
export const MIN_PER_REPLICA = 30

export class FailureLimiter {
  readonly #failures = new Map<string, number[]>()
  constructor (readonly limit: FailureLimit, private readonly share: () => number = () => 1) {}

  /** This replica's part of `max`: max / replicas, at least min(minPerReplica, max) and at least 1. */
  #max (): number {
    const floor = Math.min(this.limit.minPerReplica ?? MIN_PER_REPLICA, this.limit.max)
    return Math.max(1, floor, Math.ceil(this.limit.max / Math.max(1, this.share())))
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs (key: string, now = Date.now()): number {
    const recent = this.#recent(key, now)
    const max = this.#max()
    if (recent.length < max) return 0
    return recent[recent.length - max]! + this.limit.windowMs - now
  }

  record (key: string, now = Date.now()): void {
    const recent = this.#recent(key, now)
    recent.push(now)
    // Only the newest `max` failures matter for the decision.
    if (recent.length > this.limit.max) recent.splice(0, recent.length - this.limit.max)
    this.#failures.set(key, recent)
  }

  /** Forgets addresses with no failure left in the window (bounded memory). */
  sweep (now = Date.now()): void {
    for (const key of [...this.#failures.keys()]) if (this.#recent(key, now).length === 0) this.#failures.delete(key)
  }

  #recent (key: string, now: number): number[] {
    const list = this.#failures.get(key)
    if (!list) return []
    const fresh = list.filter((t) => t > now - this.limit.windowMs)
    if (fresh.length !== list.length) this.#failures.set(key, fresh)
    return fresh
  }
}
