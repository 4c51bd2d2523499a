// Log data for the logs and metrics tests: a log tenant for an instance (as the allocator's
// logs driver leaves it) and lines written straight into log_lines, in daily partitions
// named and bounded the way the log-drain's maintenance makes them (so a drain running on
// the same database finds them and does not collide).
import { randomUUID } from 'node:crypto'
import type { Db } from '@addonkit/db'

export async function createLogTenant (db: Db, instanceUuid: string): Promise<string> {
  const tag = randomUUID().slice(0, 8)
  const t = await db.prisma.logTenant.create({
    data: { instanceUuid, apiUser: `api-${tag}`, apiSecretHash: 'unused', drainUser: `drain-${tag}`, drainSecretHash: 'unused', plan: 'hobby' }
  })
  return t.id
}

export interface LineInit {
  ts: Date
  msg: string
  source?: 'app' | 'heroku'
  proc?: string
  status?: number
  method?: string
  path?: string
  serviceMs?: number
}

const DAY = 86_400_000
const utcDay = (ms: number) => new Date(Math.floor(ms / DAY) * DAY).toISOString().slice(0, 10)

async function ensurePartition (db: Db, day: string): Promise<void> {
  const next = utcDay(Date.parse(`${day}T00:00:00Z`) + DAY)
  await db.pool.query(`CREATE TABLE IF NOT EXISTS "log_lines_e${day.replaceAll('-', '')}" PARTITION OF log_lines FOR VALUES FROM ('${day}') TO ('${next}')`)
}

/** Inserts lines for a tenant (kept 2 days after their timestamp's day); returns their seqs. */
export async function insertLines (db: Db, tenantId: string, lines: LineInit[]): Promise<string[]> {
  const seqs: string[] = []
  for (const l of lines) {
    const expires = utcDay(l.ts.getTime() + 2 * DAY)
    await ensurePartition(db, expires)
    const r = await db.pool.query<{ seq: string }>(
      `INSERT INTO log_lines (tenant_id, expires_on, ts, source, proc_id, pri, msg, status, method, path, service_ms, connect_ms, host)
       VALUES ($1, $2, $3, $4, $5, 190, $6, $7, $8, $9, $10, $11, $12) RETURNING seq::text`,
      [tenantId, expires, l.ts, l.source ?? 'app', l.proc ?? 'web.1', l.msg, l.status ?? null, l.method ?? null, l.path ?? null,
        l.serviceMs ?? null, l.status ? 1 : null, l.status ? 'my-app.herokuapp.com' : null])
    seqs.push(r.rows[0]!.seq)
  }
  return seqs
}

/** A `heroku[router]` line as Heroku writes it (spec §11.1), with its parsed fields. */
export function routerLine (ts: Date, status: number, path: string, serviceMs: number): LineInit {
  return {
    ts, source: 'heroku', proc: 'router', status, method: 'GET', path, serviceMs,
    msg: `at=info method=GET path="${path}" host=my-app.herokuapp.com request_id=${randomUUID()} fwd="1.2.3.4" dyno=web.1 connect=1ms service=${serviceMs}ms status=${status} bytes=512 protocol=https`
  }
}
