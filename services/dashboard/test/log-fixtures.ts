// Log data for the logs and metrics tests, written the way production writes it: a tenant
// for an instance as the allocator's logs driver creates it, and lines as Logplex frames
// stored by the log store (parsed, router fields extracted, partitioned by expiry day).
import { randomUUID } from 'node:crypto'
import type { Db } from '@addonkit/db'
import { encodeFrames } from '@addonkit/logplex'
import { createPgLogStore, upsertTenant, utcDay } from '@addonkit/log-store'

export async function createLogTenant (db: Db, instanceUuid: string, plan = 'hobby'): Promise<string> {
  const tag = randomUUID().slice(0, 8)
  return (await upsertTenant(db.pool, { instanceUuid, drainToken: null, apiUser: `api-${tag}`, apiSecretHash: 'unused', drainUser: `drain-${tag}`, drainSecretHash: 'unused', plan })).id
}

export interface LineInit {
  ts: Date
  msg: string
  source?: 'app' | 'heroku'
  proc?: string
  /** The router fields are parsed from msg (routerLine writes them there). */
  status?: number
  method?: string
  path?: string
  serviceMs?: number
}

/**
 * Stores lines for a tenant as one Logplex batch per line timestamp's day, received at that
 * time (so no timestamp is clamped), kept for `retentionDays` (default 30).
 */
export async function insertLines (db: Db, tenantId: string, lines: LineInit[], retentionDays = 30): Promise<void> {
  const store = createPgLogStore(db.pool)
  const byDay = new Map<string, LineInit[]>()
  for (const l of lines) {
    const day = utcDay(l.ts.getTime())
    byDay.set(day, [...(byDay.get(day) ?? []), l])
  }
  for (const [day, group] of byDay) {
    const body = encodeFrames(group.map((l) => ({ timestamp: l.ts.toISOString(), appName: l.source ?? 'app', procId: l.proc ?? 'web.1', message: l.msg })))
    const receivedAt = Math.max(...group.map((l) => l.ts.getTime()))
    const prepared = await store.prepare({ tenantId, batchId: randomUUID(), day, retentionDays, linesPerDay: null, body, receivedAt })
    await store.append([prepared])
  }
}

/** A `heroku[router]` line as Heroku writes it (protocol §11.1). */
export function routerLine (ts: Date, status: number, path: string, serviceMs: number): LineInit {
  return {
    ts, source: 'heroku', proc: 'router', status, method: 'GET', path, serviceMs,
    msg: `at=info method=GET path="${path}" host=my-app.herokuapp.com request_id=${randomUUID()} fwd="1.2.3.4" dyno=web.1 connect=1ms service=${serviceMs}ms status=${status} bytes=512 protocol=https`
  }
}
