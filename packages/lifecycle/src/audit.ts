// The audit repository: one row per lifecycle event of an instance, with time and outcome.
// This file is the only one that writes audit_events (packages/db/README.md). Statements
// that record an event together with the change it records (one round trip, atomically)
// embed auditInsertSql in a CTE; everything else calls audit().
// Details must never carry secrets (tokens, passwords, URLs with credentials).
import type { Db } from '@addonkit/db'
import { rows, type SqlExecutor } from './sql.js'

export type AuditOutcome = 'ok' | 'failed' | 'retry' | 'refused' | 'noop'

/**
 * SQL expressions of an audit row. They are pasted into the statement as they are: pass
 * parameter references (`$4::jsonb`), column names of `from`, or literals written in code,
 * never values from a request.
 */
export interface AuditSql {
  /** The instance's uuid. */
  instance: string
  event: string
  outcome: string
  /** A jsonb expression; `'{}'` when absent. */
  detail?: string
  /** Rows to record: a CTE name or a FROM list; absent for exactly one row. */
  from?: string
  where?: string
}

/** `INSERT INTO audit_events … SELECT …`, for a CTE of a larger statement (add RETURNING as needed). */
export function auditInsertSql (a: AuditSql): string {
  return `INSERT INTO audit_events (instance_uuid, event, outcome, detail) SELECT ${a.instance}, ${a.event}, ${a.outcome}, ${a.detail ?? `'{}'::jsonb`}` +
    (a.from ? ` FROM ${a.from}` : '') + (a.where ? ` WHERE ${a.where}` : '')
}

/** A literal for auditInsertSql's event and outcome (they are code, never input). */
export function sqlLiteral (s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

const RECORD = auditInsertSql({ instance: '$1::uuid', event: '$2::text', outcome: '$3::text', detail: '$4::jsonb' })

/** Records one event in its own statement (db.pool, a transaction's client, or a Prisma transaction). */
export async function audit (db: SqlExecutor, instanceUuid: string, event: string, outcome: AuditOutcome, detail: Record<string, unknown> = {}): Promise<void> {
  await rows(db, RECORD, [instanceUuid, event, outcome, JSON.stringify(detail)])
}

export async function auditTrail (db: Db['prisma'], instanceUuid: string, limit = 200) {
  return db.auditEvent.findMany({ where: { instanceUuid }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: limit })
}
