// Writing work into the outbox (the operations table) and waking the allocator. The row
// is the durable record; the NATS message only saves the allocator a sweep interval.
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node'
import type { Db, OperationKind, Prisma } from '@addonkit/db'
import { encode, OperationEnqueued, subjects } from '@addonkit/contracts'

type Tx = Pick<Db['prisma'], 'operation'>

export async function enqueueOperation (tx: Tx, instanceUuid: string, kind: OperationKind, params: Record<string, unknown> = {}, notBefore?: Date) {
  return tx.operation.create({ data: { instanceUuid, kind, params: params as Prisma.InputJsonValue, ...(notBefore ? { nextAttemptAt: notBefore } : {}) } })
}

/** `headers`: the caller's W3C trace context (service-kit natsTraceHeaders), so the allocator's span joins its trace. */
export function wakeAllocator (nc: NatsConnection, op: { id: string, instanceUuid: string, kind: string }, headers?: MsgHdrs): void {
  try {
    nc.publish(subjects.operationEnqueued, encode(OperationEnqueued, { operationId: op.id, instanceUuid: op.instanceUuid, kind: op.kind }), headers ? { headers } : undefined)
  } catch {
    // NATS down: the allocator's sweep finds the row.
  }
}
