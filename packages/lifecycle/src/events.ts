// Instance lifecycle events over core NATS: the allocator announces progress and results,
// the gateway announces its answer to Heroku. Waiters always re-check the database too,
// so a lost event costs latency, never correctness.
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import { decode, encode, InstanceEvent, subjects } from '@addonkit/contracts'

export function publishInstanceEvent (nc: NatsConnection, ev: Omit<InstanceEvent, 'at'>): void {
  try {
    nc.publish(subjects.instanceEvents(ev.instanceUuid), encode(InstanceEvent, { ...ev, at: new Date().toISOString() }))
  } catch {
    // NATS down: the outbox and the waiters' database checks carry the state instead.
  }
}

export interface EventWaiter {
  /** Resolves with the first matching event, or null after timeoutMs. */
  next (match: (ev: InstanceEvent) => boolean, timeoutMs: number): Promise<InstanceEvent | null>
  close (): void
}

/**
 * Subscribes to one instance's events before the caller triggers work, so nothing
 * published after this call is missed.
 */
export function watchInstance (nc: NatsConnection, instanceUuid: string): EventWaiter {
  const queue: InstanceEvent[] = []
  const waiters = new Set<{ match: (ev: InstanceEvent) => boolean, resolve: (ev: InstanceEvent) => void }>()
  let sub: Subscription | undefined
  try {
    sub = nc.subscribe(subjects.instanceEvents(instanceUuid), {
      callback: (err, msg) => {
        if (err) return
        let ev: InstanceEvent
        try { ev = decode(InstanceEvent, msg.data) } catch { return }
        for (const w of waiters) if (w.match(ev)) { waiters.delete(w); w.resolve(ev); return }
        queue.push(ev)
      }
    })
  } catch {
    sub = undefined
  }
  return {
    next (match, timeoutMs) {
      const i = queue.findIndex(match)
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]!)
      return new Promise((resolve) => {
        const w = { match, resolve: (ev: InstanceEvent) => { clearTimeout(timer); resolve(ev) } }
        const timer = setTimeout(() => { waiters.delete(w); resolve(null) }, Math.max(0, timeoutMs))
        waiters.add(w)
      })
    },
    close () { try { sub?.unsubscribe() } catch {} }
  }
}
