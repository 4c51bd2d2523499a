// Asks the allocator for an instance's usage over NATS request/reply (contracts
// UsageRequest/UsageReply). The overview must render even when no allocator answers, so
// every failure (timeout, no responders, a bad reply, a driver error) becomes null.
import type { FastifyInstance } from 'fastify'
import { decode, encode, subjects, UsageReply, UsageRequest } from '@addonkit/contracts'

export async function fetchUsage (nc: FastifyInstance['nats'], instanceUuid: string, timeoutMs: number): Promise<UsageReply['metrics'] | null> {
  try {
    const msg = await nc.request(subjects.usage, encode(UsageRequest, { instanceUuid }), { timeout: timeoutMs })
    const reply = decode(UsageReply, msg.data)
    return reply.error ? null : reply.metrics
  } catch {
    return null
  }
}
