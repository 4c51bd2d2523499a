// The audit log: one row per lifecycle event of an instance, with time and outcome.
// Details must never carry secrets (tokens, passwords, URLs with credentials).
import type { Db, Prisma } from '@addonkit/db'

export type AuditOutcome = 'ok' | 'failed' | 'retry' | 'refused' | 'noop'

export type AuditWriter = Pick<Db['prisma'], 'auditEvent'>

export async function audit (db: AuditWriter, instanceUuid: string, event: string, outcome: AuditOutcome, detail: Record<string, unknown> = {}): Promise<void> {
  await db.auditEvent.create({ data: { instanceUuid, event, outcome, detail: detail as Prisma.InputJsonValue } })
}

/** The same as audit, as one plain SQL statement (hot paths: Prisma costs ~2 ms a query). */
export async function auditRaw (pool: Pick<Db['pool'], 'query'>, instanceUuid: string, event: string, outcome: AuditOutcome, detail: Record<string, unknown> = {}): Promise<void> {
  await pool.query('INSERT INTO audit_events (instance_uuid, event, outcome, detail) VALUES ($1, $2, $3, $4::jsonb)', [instanceUuid, event, outcome, JSON.stringify(detail)])
}

export async function auditTrail (db: Db['prisma'], instanceUuid: string, limit = 200) {
  return db.auditEvent.findMany({ where: { instanceUuid }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: limit })
}
