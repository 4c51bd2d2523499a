// When `npm start` restarts a service that exited: at once the first time, then after a
// delay that doubles (1 s, 2 s, 4 s … 30 s at most); after `maxCrashes` exits within
// `windowMs` it stops trying, says so, and leaves the other services running. Pure.

export interface RestartPolicy { maxCrashes: number, windowMs: number, baseDelayMs: number, maxDelayMs: number }

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxCrashes: 5, windowMs: 60_000, baseDelayMs: 1000, maxDelayMs: 30_000 }

export type RestartDecision = { restart: true, delayMs: number, crashesInWindow: number } | { restart: false, crashesInWindow: number }

/** `exits`: the times (ms) this service exited, the latest included. */
export function nextRestart (exits: readonly number[], now: number, p: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const recent = exits.filter((t) => now - t < p.windowMs).length
  if (recent >= p.maxCrashes) return { restart: false, crashesInWindow: recent }
  const delayMs = recent <= 1 ? 0 : Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (recent - 2))
  return { restart: true, delayMs, crashesInWindow: recent }
}
