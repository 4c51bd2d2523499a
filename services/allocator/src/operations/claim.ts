// Claiming outbox rows. A row is runnable when it is pending and due, or running with an
// expired lease (its runner died); and only when no earlier unfinished operation of the
// same instance exists, so operations of one instance run one at a time, in order.
import type { Db, Operation } from '@addonkit/db'

export interface OperationRow {
  id: string
  instance_uuid: string
  kind: Operation['kind']
  params: Record<string, unknown>
  step: string | null
  attempts: number
  created_at: Date
  /** W3C traceparent of the request that enqueued it (service-kit tracing.ts), if any. */
  traceparent: string | null
}

const RUNNABLE = `((o.status = 'pending' AND o.next_attempt_at <= now()) OR (o.status = 'running' AND o.lease_until < now()))`
const FIRST_OF_INSTANCE = `NOT EXISTS (SELECT 1 FROM operations e
                         WHERE e.instance_uuid = o.instance_uuid AND e.status IN ('pending', 'running')
                           AND (e.created_at, e.id) < (o.created_at, o.id))`

export async function claimOperation (db: Db, id: string, leaseMs: number): Promise<OperationRow | null> {
  const r = await db.pool.query<OperationRow>(
    `UPDATE operations o
        SET status = 'running', lease_until = now() + make_interval(secs => $2::float8 / 1000), attempts = o.attempts + 1
      WHERE o.id = $1 AND ${RUNNABLE} AND ${FIRST_OF_INSTANCE}
      RETURNING o.id, o.instance_uuid, o.kind, o.params, o.step, o.attempts, o.created_at, o.traceparent`,
    [id, leaseMs]
  )
  return r.rows[0] ?? null
}

/** Extends the lease of a running operation (the heartbeat of a long step). */
export async function renewLease (db: Db, id: string, leaseMs: number): Promise<void> {
  await db.pool.query(`UPDATE operations SET lease_until = now() + make_interval(secs => $2::float8 / 1000) WHERE id = $1 AND status = 'running'`, [id, leaseMs])
}

/** Ids of operations that are runnable now, oldest first. */
export async function runnableOperations (db: Db, limit = 50): Promise<string[]> {
  const r = await db.pool.query<{ id: string }>(`SELECT o.id FROM operations o WHERE ${RUNNABLE} AND ${FIRST_OF_INSTANCE} ORDER BY o.created_at, o.id LIMIT $1`, [limit])
  return r.rows.map((row) => row.id)
}

/** The next unfinished operation of an instance, if any. */
export async function nextOperationOf (db: Db, instanceUuid: string): Promise<string | null> {
  const r = await db.pool.query<{ id: string }>(`SELECT id FROM operations WHERE instance_uuid = $1 AND status IN ('pending', 'running') ORDER BY created_at, id LIMIT 1`, [instanceUuid])
  return r.rows[0]?.id ?? null
}

export async function setStep (db: Db, id: string, step: string): Promise<void> {
  await db.pool.query('UPDATE operations SET step = $2 WHERE id = $1', [id, step])
}

/** Marks the operation done and returns the next unfinished operation of its instance. */
export async function finishOperation (db: Db, id: string, result: Record<string, unknown>): Promise<string | null> {
  const r = await db.pool.query<{ id: string }>(
    `WITH f AS (UPDATE operations SET status = 'succeeded', finished_at = now(), lease_until = NULL, result = $2, last_error = NULL WHERE id = $1 RETURNING instance_uuid)
     SELECT o.id FROM operations o JOIN f ON o.instance_uuid = f.instance_uuid
      WHERE o.status IN ('pending', 'running') AND o.id <> $1 ORDER BY o.created_at, o.id LIMIT 1`,
    [id, JSON.stringify(result)])
  return r.rows[0]?.id ?? null
}

export async function retryOperation (db: Db, id: string, delayMs: number, error: string): Promise<void> {
  await db.pool.query(`UPDATE operations SET status = 'pending', lease_until = NULL, last_error = $3, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000) WHERE id = $1`, [id, delayMs, error])
}

export async function failOperation (db: Db, id: string, error: string): Promise<void> {
  await db.pool.query(`UPDATE operations SET status = 'failed', finished_at = now(), lease_until = NULL, last_error = $2 WHERE id = $1`, [id, error])
}
