// How much of an account's Platform API rate limit the autoscaler may spend (protocol §21.2:
// 4,500 tokens per account, refilled at about 75 a minute, RateLimit-Remaining on every
// answer). It leaves the customer the rest: it calls only while more than a reserve of
// (1 - share) × capacity is left, and after a 429 not at all until the wait is over.

export const HEROKU_RATE_CAPACITY = 4500
/** Tokens Heroku adds back per minute. */
export const HEROKU_RATE_REFILL_PER_MINUTE = 75

export interface RateView {
  /** RateLimit-Remaining of the last answer; null when none was seen yet. */
  remaining: number | null
  /** No call before this time (a 429). */
  blockedUntil: number | null
}

export type RateVerdict = { ok: true } | { ok: false, reason: string, retryAt: number }

export function mayCall (v: RateView, share: number, now: number, capacity = HEROKU_RATE_CAPACITY): RateVerdict {
  if (v.blockedUntil !== null && now < v.blockedUntil) {
    return { ok: false, reason: `Heroku's rate limit was reached; no calls until ${new Date(v.blockedUntil).toISOString()}`, retryAt: v.blockedUntil }
  }
  const reserve = Math.ceil((1 - share) * capacity)
  if (v.remaining !== null && v.remaining <= reserve) {
    // At ~75 tokens a minute, the time until the reserve is passed again.
    const wait = Math.ceil((reserve + 1 - v.remaining) / HEROKU_RATE_REFILL_PER_MINUTE) * 60_000
    return { ok: false, reason: `${v.remaining} Platform API calls left for this account; ${reserve} are kept for the app's owner`, retryAt: now + wait }
  }
  return { ok: true }
}

/**
 * How long to wait after a 429 (or with too few calls left) before asking again: Heroku's
 * Retry-After, else `probeMs`. Asking is GET /account/rate-limits, which costs no token.
 */
export function rateLimitedUntil (now: number, retryAfterMs?: number, probeMs = 5000): number {
  return now + Math.max(retryAfterMs ?? probeMs, 1000)
}
