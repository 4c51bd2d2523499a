// Instance lifecycle events over core NATS: the allocator announces progress and results,
// the gateway announces its answer to Heroku. Waiters always re-check the database too,
// so a lost event costs latency, never correctness.
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import { decode, encode, InstanceEvent, subjects } from '@addonkit/contracts'

export function publishInstanceEvent (nc: NatsConnection, ev: Omit<InstanceEvent, 'at'>): void {
  try {
    // The subject names the instance in lower case, however its uuid was spelt (Heroku's
    // request may carry capitals; the allocator's rows are canonical), so watchers meet it.
    nc.publish(subjects.instanceEvents(ev.instanceUuid.toLowerCase()), encode(InstanceEvent, { ...ev, at: new Date().toISOString() }))
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
 * One subscription per connection to every instance's events (the hub), shared by all of
 * the process's watchers, so a waiting request costs no SUB and UNSUB of its own (two NATS
 * writes per provision in the gateway; issue 20). Events of instances no one here watches
 * are dropped unparsed. A closed subscription (its connection closed) is replaced on next use.
 */
interface Hub { sub: Subscription, watchers: Map<string, Set<(ev: InstanceEvent) => void>> }
const hubs = new WeakMap<NatsConnection, Hub>()
const PREFIX = subjects.instanceEvents('')
const SUFFIX = PREFIX.slice(PREFIX.indexOf('..') + 1)
const HEAD = PREFIX.slice(0, PREFIX.indexOf('..') + 1)

function hubOf (nc: NatsConnection): Hub | null {
  const known = hubs.get(nc)
  if (known && !known.sub.isClosed()) return known
  const watchers = new Map<string, Set<(ev: InstanceEvent) => void>>()
  let sub: Subscription
  try {
    sub = nc.subscribe(subjects.instanceEventsAll, {
      callback: (err, msg) => {
        if (err) return
        const uuid = msg.subject.slice(HEAD.length, msg.subject.length - SUFFIX.length)
        const set = watchers.get(uuid)
        if (!set) return
        let ev: InstanceEvent
        try { ev = decode(InstanceEvent, msg.data) } catch { return }
        for (const deliver of [...set]) deliver(ev)
      }
    })
  } catch {
    return null
  }
  const hub = { sub, watchers }
  hubs.set(nc, hub)
  return hub
}

/**
 * Watches one instance's events from this call on (the caller triggers the work after it,
 * so nothing published after the work is missed): the connection's shared subscription is
 * already at the server, or its SUB precedes the caller's next message on the connection.
 */
export function watchInstance (nc: NatsConnection, uuid: string): EventWaiter {
  const instanceUuid = uuid.toLowerCase() // as publishInstanceEvent names it
  const queue: InstanceEvent[] = []
  const waiters = new Set<{ match: (ev: InstanceEvent) => boolean, resolve: (ev: InstanceEvent) => void }>()
  const deliver = (ev: InstanceEvent): void => {
    for (const w of waiters) if (w.match(ev)) { waiters.delete(w); w.resolve(ev); return }
    queue.push(ev)
  }
  const hub = hubOf(nc)
  if (hub) {
    let set = hub.watchers.get(instanceUuid)
    if (!set) hub.watchers.set(instanceUuid, set = new Set())
    set.add(deliver)
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
    close () {
      const set = hub?.watchers.get(instanceUuid)
      if (!set) return
      set.delete(deliver)
      if (set.size === 0) hub!.watchers.delete(instanceUuid)
    }
  }
}
