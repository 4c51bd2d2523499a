// The data API's per-plan rate limit (`requests_per_minute`): a token bucket per tenant
// that holds a minute's worth of requests and refills continuously. Kept in this process's
// memory; with N log-drain replicas each keeps 1/N of the plan's rate (the caller divides by
// the replicas it hears from, service-kit replicas.ts), so behind a balancer that spreads
// requests evenly the tenant gets its plan's rate in all (the drain ingestion path is not
// rate limited: Logplex's batches are bounded by the daily line quota instead).
export interface RateLimiter {
  /** 0 when the request may proceed; otherwise the seconds to wait (Retry-After). */
  take (key: string, perMinute: number | null, now?: number): number
}

export function createRateLimiter (): RateLimiter {
  const buckets = new Map<string, { tokens: number, at: number }>()
  return {
    take (key, perMinute, now = Date.now()) {
      if (perMinute === null || perMinute <= 0) return 0
      const rate = perMinute / 60_000
      let b = buckets.get(key)
      if (!b) {
        if (buckets.size > 100_000) buckets.clear()
        b = { tokens: perMinute, at: now }
        buckets.set(key, b)
      }
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate)
      b.at = now
      if (b.tokens >= 1) { b.tokens -= 1; return 0 }
      return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000))
    }
  }
}
