// The outbox repository: writing work into the operations table and waking the allocator.
// The row is the durable record; the NATS message only saves the allocator a sweep
// interval. This file is the only one that creates operations (packages/db/README.md):
// statements that enqueue work together with the change that implies it (one round trip,
// atomically) embed operationInsertSql in a CTE; everything else calls enqueueOperation.
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node'
import type { Db, OperationKind } from '@addonkit/db'
import { encode, OperationEnqueued, subjects } from '@addonkit/contracts'
import { auditInsertSql, type AuditOutcome } from './audit.js'
import { inTransaction, rows, type Queryable, type SqlExecutor } from './sql.js'

/** What wakeAllocator needs of a new operation. */
export interface QueuedOperation { id: string, instanceUuid: string, kind: OperationKind }

/**
 * SQL expressions of an operation row, pasted as they are: parameter references, column
 * names of `from`, or literals written in code, never values from a request.
 */
export interface OperationSql {
  /** The instance's uuid. */
  instance: string
  /** An "OperationKind" expression: a literal such as `'provision'`, or `$n::"OperationKind"`. */
  kind: string
  /** A jsonb expression; `'{}'` when absent. */
  params?: string
  /** When it may run first (timestamptz); now() when absent. */
  notBefore?: string
  /**
   * Its place among the instance's operations, which run in (created_at, id) order;
   * now() when absent. A statement that enqueues two operations of one instance gives
   * the second a later one (now() is the same for the whole transaction).
   */
  createdAt?: string
  /** W3C traceparent of the request (text); NULL when absent. */
  traceparent?: string
  /** Rows to enqueue for: a CTE name or a FROM list; absent for exactly one row. */
  from?: string
  where?: string
}

const RETURNING = 'RETURNING id, instance_uuid, kind'

/** `INSERT INTO operations … SELECT … RETURNING id, instance_uuid, kind`, for a CTE of a larger statement. */
export function operationInsertSql (o: OperationSql): string {
  return 'INSERT INTO operations (id, instance_uuid, kind, params, next_attempt_at, created_at, traceparent) ' +
    `SELECT gen_random_uuid(), ${o.instance}, ${o.kind}, ${o.params ?? `'{}'::jsonb`}, ${o.notBefore ?? 'now()'}, ${o.createdAt ?? 'now()'}, ${o.traceparent ?? 'NULL::text'}` +
    (o.from ? ` FROM ${o.from}` : '') + (o.where ? ` WHERE ${o.where}` : '') + ` ${RETURNING}`
}

export interface OperationRowOut { id: string, instance_uuid: string, kind: OperationKind }

export function queued (r: OperationRowOut): QueuedOperation {
  return { id: r.id, instanceUuid: r.instance_uuid, kind: r.kind }
}

const ENQUEUE = operationInsertSql({ instance: '$1::uuid', kind: '$2::"OperationKind"', params: '$3::jsonb', notBefore: 'coalesce($4::timestamptz, now())', traceparent: '$5::text' })

/** Enqueues one operation in its own statement (db.pool, a transaction's client, or a Prisma transaction). */
export async function enqueueOperation (db: SqlExecutor, instanceUuid: string, kind: OperationKind, params: Record<string, unknown> = {}, notBefore?: Date, traceparent?: string): Promise<QueuedOperation> {
  const [row] = await rows<OperationRowOut>(db, ENQUEUE, [instanceUuid, kind, JSON.stringify(params), notBefore ?? null, traceparent ?? null])
  return queued(row!)
}

const ENQUEUE_UNLESS_UNFINISHED =
  `WITH op AS (${operationInsertSql({ instance: '$1::uuid', kind: '$2::"OperationKind"', params: '$3::jsonb', where: `NOT EXISTS (SELECT 1 FROM operations WHERE instance_uuid = $1 AND kind = $2::"OperationKind" AND status IN ('pending', 'running'))` })}),
   a AS (${auditInsertSql({ instance: 'instance_uuid', event: '$4::text', outcome: '$5::text', detail: '$6::jsonb', from: 'op' })})
   SELECT id, instance_uuid, kind FROM op`

/**
 * Enqueues an operation and records `audit` with it, unless one of the same kind is still
 * pending or running. The instance row lock makes concurrent requests (a double submit)
 * start one, not two: the check runs after the lock, so it sees what the winner committed.
 */
export async function enqueueUnlessUnfinished (db: Pick<Db, 'pool'>, instanceUuid: string, kind: OperationKind, params: Record<string, unknown>, audit: { event: string, outcome: AuditOutcome, detail: Record<string, unknown> }): Promise<QueuedOperation | null> {
  return inTransaction(db, async (c: Queryable) => {
    await c.query('SELECT uuid FROM instances WHERE uuid = $1 FOR UPDATE', [instanceUuid])
    const [row] = await rows<OperationRowOut>(c, ENQUEUE_UNLESS_UNFINISHED, [instanceUuid, kind, JSON.stringify(params), audit.event, audit.outcome, JSON.stringify(audit.detail)])
    return row ? queued(row) : null
  })
}

/** Replaces the params of an operation (the autoscaler adds the decision it carries out). */
/**
 * Replaces an operation's params. With `due`, it also becomes runnable now: an operation
 * enqueued not yet due (notBefore), so that no runner's sweep takes it before its params
 * are complete, is released here.
 */
export async function setOperationParams (db: Queryable, id: string, params: Record<string, unknown>, o: { due?: boolean } = {}): Promise<void> {
  // A second ago, not now(): the column keeps milliseconds, rounded, so now() may round up past a runner's now().
  await db.query(`UPDATE operations SET params = $2::jsonb${o.due ? ", next_attempt_at = now() - interval '1 second'" : ''} WHERE id = $1`, [id, JSON.stringify(params)])
}

/** `headers`: the caller's W3C trace context (service-kit natsTraceHeaders), so the allocator's span joins its trace. */
export function wakeAllocator (nc: NatsConnection, op: { id: string, instanceUuid: string, kind: string }, headers?: MsgHdrs): void {
  try {
    nc.publish(subjects.operationEnqueued, encode(OperationEnqueued, { operationId: op.id, instanceUuid: op.instanceUuid, kind: op.kind }), headers ? { headers } : undefined)
  } catch {
    // NATS down: the allocator's sweep finds the row.
  }
}
