// The audit log: one row per lifecycle event of an instance, with time and outcome.
// Details must never carry secrets (tokens, passwords, URLs with credentials).
import type { Db, Prisma } from '@addonkit/db'

export type AuditOutcome = 'ok' | 'failed' | 'retry' | 'refused' | 'noop'

export type AuditWriter = Pick<Db['prisma'], 'auditEvent'>

export async function audit (db: AuditWriter, instanceUuid: string, event: string, outcome: AuditOutcome, detail: Record<string, unknown> = {}): Promise<void> {
  await db.auditEvent.create({ data: { instanceUuid, event, outcome, detail: detail as Prisma.InputJsonValue } })
}

export async function auditTrail (db: Db['prisma'], instanceUuid: string, limit = 200) {
  return db.auditEvent.findMany({ where: { instanceUuid }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: limit })
}
