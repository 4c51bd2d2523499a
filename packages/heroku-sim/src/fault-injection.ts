// Transient trouble on demand: failNext answers the next N matching requests with an error
// status before they touch any state; hold parks the next matching request until released,
// so a test can act while a call is in flight. Patterns match the request path.
import type { HeldRequest } from './types.js'

interface Failure { pattern: RegExp, remaining: number, status: number }
interface Hold { pattern: RegExp, arrive: () => void, gate: Promise<void>, open: () => void, taken: boolean }

export class FaultInjector {
  readonly #failures: Failure[] = []
  readonly #holds: Hold[] = []

  failNext (pattern: RegExp, times: number, status = 503): void {
    if (times > 0) this.#failures.push({ pattern, remaining: times, status })
  }

  hold (pattern: RegExp): HeldRequest {
    let arrive!: () => void
    let open!: () => void
    const arrived = new Promise<void>((resolve) => { arrive = resolve })
    const gate = new Promise<void>((resolve) => { open = resolve })
    this.#holds.push({ pattern, arrive, gate, open, taken: false })
    return { arrived, release: open }
  }

  /** Waits while a hold applies to this path. */
  async passHolds (path: string): Promise<void> {
    const hold = this.#holds.find((h) => !h.taken && matches(h.pattern, path))
    if (!hold) return
    hold.taken = true
    hold.arrive()
    await hold.gate
  }

  /** The injected status for this path, consuming one failure; undefined when none. */
  takeFailure (path: string): number | undefined {
    const failure = this.#failures.find((f) => matches(f.pattern, path))
    if (!failure) return undefined
    if (--failure.remaining === 0) this.#failures.splice(this.#failures.indexOf(failure), 1)
    return failure.status
  }

  /** Lets every parked and future held request go (used at close). */
  releaseAll (): void {
    for (const h of this.#holds) h.open()
  }
}

function matches (pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0
  return pattern.test(path)
}
