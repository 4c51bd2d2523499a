// When and how long to wait before another attempt: 5xx, 429, network errors and timeouts
// are worth retrying; any other 4xx is a definitive answer. Delays grow exponentially with
// jitter; a Retry-After header (seconds or HTTP date) is honoured up to a cap so a hostile
// or buggy server cannot park a worker for hours.

export interface RetryPolicy {
  maxAttempts: number
  baseDelayMs: number
}

/** Longest single wait, whether from backoff or from Retry-After. */
export const MAX_DELAY_MS = 30_000

export function isRetryableStatus (status: number): boolean {
  return status === 429 || status >= 500
}

/** Delay before attempt `attempt + 1`; half fixed, half random ("equal jitter"). */
export function backoffDelay (attempt: number, baseDelayMs: number, random: () => number = Math.random): number {
  const exp = Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** (attempt - 1))
  return Math.round(exp / 2 + random() * exp / 2)
}

/** Retry-After in milliseconds, capped; undefined when absent or unreadable. */
export function parseRetryAfter (value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined || raw.trim() === '') return undefined
  const text = raw.trim()
  let ms: number
  if (/^\d+$/.test(text)) ms = Number(text) * 1000
  else {
    const at = Date.parse(text)
    if (Number.isNaN(at)) return undefined
    ms = at - now
  }
  return Math.min(MAX_DELAY_MS, Math.max(0, ms))
}

export function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
