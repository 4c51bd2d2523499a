// How many replicas of this service are running, learnt over NATS: each one announces itself
// on `addonkit.presence.<service>` every few seconds and counts the others it heard from
// lately. Limits kept in a process's memory (the data API's rate limit, SSO's failure limit)
// divide by it, so that behind a load balancer that spreads requests evenly the whole
// service keeps the limit, not each replica. Core NATS: a lost announcement only makes the
// count lag by one interval; while NATS is down each replica counts itself alone (the
// limit is then per replica, as it was before replicas).
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    /** Replicas of this service running now, this one included (1 or more). */
    replicaCount (): number
  }
}

export const PRESENCE_EVERY_MS = 5000

export interface ReplicasOptions {
  /** contracts' subjects.presence(<service>). */
  subject: string
  everyMs?: number
}

async function replicasPlugin (app: FastifyInstance, opts: ReplicasOptions) {
  const self = randomUUID()
  const everyMs = opts.everyMs ?? PRESENCE_EVERY_MS
  // A replica not heard from for three intervals is counted gone.
  const ttlMs = 3 * everyMs
  const seen = new Map<string, number>()
  const subject = opts.subject
  const sub = app.nats.subscribe(subject, {
    callback: (err, m) => {
      if (err) return
      const id = m.string()
      if (id.length <= 64 && id !== self) seen.set(id, Date.now())
    }
  })
  const announce = () => { try { app.nats.publish(subject, self) } catch {} }
  announce()
  const timer = setInterval(announce, everyMs)
  timer.unref()
  app.decorate('replicaCount', () => {
    const now = Date.now()
    for (const [id, at] of seen) if (now - at > ttlMs) seen.delete(id)
    return 1 + seen.size
  })
  app.addHook('onClose', async () => { clearInterval(timer); try { sub.unsubscribe() } catch {} })
}

export default fp(replicasPlugin, { name: 'addonkit-replicas', fastify: '5.x', dependencies: ['addonkit-nats'] })
