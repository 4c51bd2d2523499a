// Message schemas carried over NATS, with their TypeScript types. Every message is JSON.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

export const OperationEnqueued = Type.Object({
  operationId: Type.String(),
  instanceUuid: Type.String(),
  kind: Type.String()
})
export type OperationEnqueued = Static<typeof OperationEnqueued>

export const InstanceEvent = Type.Object({
  instanceUuid: Type.String(),
  operationId: Type.Optional(Type.String()),
  kind: Type.String(),
  /** succeeded | failed | progress */
  outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('progress')]),
  message: Type.Optional(Type.String()),
  /**
   * `ready` only: the provision's answer as it stands once the output is stored (its status,
   * and its body sealed with the key ring, contexts.provisionResponse), so the gateway
   * answers Heroku from the event instead of reading the row. Ciphertext only.
   */
  decision: Type.Optional(Type.Object({ status: Type.Integer(), sealedBody: Type.String() })),
  at: Type.String()
})
export type InstanceEvent = Static<typeof InstanceEvent>

export const PlanCheckRequest = Type.Object({ instanceUuid: Type.String(), plan: Type.String() })
export type PlanCheckRequest = Static<typeof PlanCheckRequest>
export const PlanCheckReply = Type.Object({ allowed: Type.Boolean(), reason: Type.Optional(Type.String()) })
export type PlanCheckReply = Static<typeof PlanCheckReply>

export const UsageRequest = Type.Object({ instanceUuid: Type.String() })
export type UsageRequest = Static<typeof UsageRequest>
export const UsageReply = Type.Object({
  metrics: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), used: Type.Number(), limit: Type.Union([Type.Number(), Type.Null()]), unit: Type.String() })),
  error: Type.Optional(Type.String())
})
export type UsageReply = Static<typeof UsageReply>

export class MessageDecodeError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MessageDecodeError'
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encode<T extends TSchema> (schema: T, value: Static<T>): Uint8Array {
  if (!Value.Check(schema, value)) throw new MessageDecodeError(`refusing to send an invalid message: ${Value.Errors(schema, value).First()?.message}`)
  return encoder.encode(JSON.stringify(value))
}

/** Parses and checks a message; throws MessageDecodeError when it does not match. */
export function decode<T extends TSchema> (schema: T, data: Uint8Array): Static<T> {
  let value: unknown
  try { value = JSON.parse(decoder.decode(data)) } catch (err) { throw new MessageDecodeError('message is not JSON', { cause: err }) }
  const first = Value.Errors(schema, value).First()
  if (first) throw new MessageDecodeError(`message does not match its schema at ${first.path}: ${first.message}`)
  return value as Static<T>
}
