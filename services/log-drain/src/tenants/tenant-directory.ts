// Log tenants by drain user, data-API user or id, cached briefly in memory. Revocation
// must stop ingestion at once (issue 4): an InstanceEvent for the instance (deprovision,
// rotation, plan change — published by the gateway and the allocator) drops its entries,
// and no entry is trusted longer than `cacheMs` (instances.state is re-read that often).
// When PostgreSQL cannot answer, a known tenant is served from a stale entry (up to
// STALE_MS) so that drains keep flowing into JetStream; an unknown one gets 503, not 403,
// because a 4xx would make Logplex drop the batch (protocol §11.1).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Subscription } from '@nats-io/transport-node'
import { decode, InstanceEvent, subjects } from '@addonkit/contracts'
import type { AddonDefinition } from '@addonkit/config'
import { findTenant, limitsFor, type TenantLimits, type TenantRecord } from '@addonkit/log-store'
import { Unavailable } from '../errors.js'

/** A tenant with its plan's limits (the retention as the customer may have shortened it). */
export interface Tenant extends Omit<TenantRecord, 'options'> {
  limits: TenantLimits
}

export interface TenantDirectory {
  /** By the user name of its drain credentials (the drain's Basic auth): unique, unlike drain tokens. */
  byDrainUser (user: string): Promise<Tenant | null>
  byApiUser (user: string): Promise<Tenant | null>
  byId (id: string): Promise<Tenant | null>
  /** Forgets every entry of an instance (and every negative entry). */
  invalidateInstance (uuid: string): void
}

declare module 'fastify' {
  interface FastifyInstance {
    tenants: TenantDirectory
  }
}

/** Longest a stale entry is used while PostgreSQL does not answer. */
const STALE_MS = 5 * 60_000

export interface TenantDirectoryOptions { addon: AddonDefinition, cacheMs: number }

async function tenantDirectory (app: FastifyInstance, opts: TenantDirectoryOptions) {
  const cache = new Map<string, { tenant: Tenant | null, at: number }>()

  const toTenant = ({ options, ...r }: TenantRecord): Tenant => ({ ...r, limits: limitsFor(opts.addon, r.plan, options) })


  // One read per key at a time: the requests that find no fresh entry share it. Measured
  // (a temporary log, paced 120k lines/s with the writer storing): without it, one expiry
  // sent 11 requests' reads at once, the pool opened 11 connections, and the reads took
  // 36–313 ms on the new backends while the writer's COPYs kept PostgreSQL busy.
  const loading = new Map<string, Promise<Tenant | null>>()
  // Bumped by every invalidation: a read that started before one is returned to the
  // requests already waiting for it, but not cached, so it cannot bring back what the
  // invalidation removed.
  let generation = 0

  function load (key: string, by: Parameters<typeof findTenant>[1], value: string): Promise<Tenant | null> {
    const pending = loading.get(key)
    if (pending) return pending
    const startedAt = Date.now()
    const startedIn = generation
    const p = findTenant(app.db.pool, by, value).then((found) => {
      const tenant = found ? toTenant(found) : null
      if (startedIn === generation) {
        if (cache.size > 100_000) cache.clear()
        // Its age counts from when the read started.
        cache.set(key, { tenant, at: startedAt })
      }
      return tenant
    }).finally(() => { if (loading.get(key) === p) loading.delete(key) })
    loading.set(key, p)
    return p
  }

  /**
   * `readAhead`: an entry in use is read again in the background once half its time has
   * passed, so that a busy drain does not wait for the database every cacheMs; while
   * PostgreSQL answers it is still never used longer than cacheMs. Only drain lookups read
   * ahead (drain users): with it on for data-API users too, the benchmark's first text searches were slow,
   * for a reason not found (README, "Tried and dropped").
   */
  async function lookup (key: string, by: Parameters<typeof findTenant>[1], value: string, readAhead = false): Promise<Tenant | null> {
    const now = Date.now()
    const hit = cache.get(key)
    if (hit && now - hit.at < opts.cacheMs) {
      // A failed read leaves the entry as it is. The has() check keeps the requests that
      // arrive while the read runs from each chaining a handler onto it (drain hot path).
      if (readAhead && now - hit.at >= opts.cacheMs / 2 && !loading.has(key)) load(key, by, value).catch(() => {})
      return hit.tenant
    }
    try {
      return await load(key, by, value)
    } catch (err) {
      if (hit?.tenant && now - hit.at < STALE_MS) return hit.tenant
      throw new Unavailable(`Tenant lookup failed (database unavailable); retry: ${(err as Error).message}`)
    }
  }

  const directory: TenantDirectory = {
    byDrainUser: (user) => lookup(`d:${user}`, 'drainUser', user, true),
    byApiUser: (user) => lookup(`a:${user}`, 'apiUser', user),
    byId: (id) => lookup(`i:${id}`, 'id', id),
    invalidateInstance (uuid) {
      generation++
      loading.clear()
      for (const [key, entry] of cache) {
        if (entry.tenant === null || entry.tenant.instanceUuid === uuid) cache.delete(key)
      }
    }
  }
  app.decorate('tenants', directory)

  let sub: Subscription | undefined
  try {
    sub = app.nats.subscribe(subjects.instanceEventsAll, {
      callback: (err, msg) => {
        if (err) return
        try { directory.invalidateInstance(decode(InstanceEvent, msg.data).instanceUuid) } catch {}
      }
    })
  } catch (err) {
    app.log.warn({ err }, 'cannot subscribe to instance events; tenant entries expire by time only')
  }
  app.addHook('onClose', async () => { try { sub?.unsubscribe() } catch {} })
}

export default fp(tenantDirectory, { name: 'drain-tenants', dependencies: ['addonkit-db', 'addonkit-nats'] })
