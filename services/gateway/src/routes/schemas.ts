// Request and response schemas of the Partner API v3 routes (protocol §4, §7, §8). Unknown
// fields are allowed and ignored (protocol §3.5); legacy fields are tolerated.
import { Type, type Static } from '@sinclair/typebox'

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' })

export const ProvisionBody = Type.Object({
  uuid: Uuid,
  plan: Type.String({ minLength: 1, maxLength: 200 }),
  region: Type.String({ minLength: 1, maxLength: 200 }),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
  callback_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  oauth_grant: Type.Optional(Type.Union([Type.Object({
    code: Type.String({ minLength: 1, maxLength: 500 }),
    expires_at: Type.Optional(Type.String()),
    type: Type.Optional(Type.String())
  }), Type.Null()])),
  options: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  log_input_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  log_drain_token: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  heroku_id: Type.Optional(Type.Unknown()),
  logplex_token: Type.Optional(Type.Unknown())
})
export type ProvisionBody = Static<typeof ProvisionBody>

export const PlanChangeBody = Type.Object({ plan: Type.String({ minLength: 1, maxLength: 200 }) })
export type PlanChangeBody = Static<typeof PlanChangeBody>

export const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) })

export const ProvisionReply = Type.Object({
  id: Type.String(),
  config: Type.Optional(Type.Record(Type.String(), Type.String())),
  message: Type.Optional(Type.String()),
  log_drain_url: Type.Optional(Type.String())
})
export const PlanChangeReply = Type.Object({
  config: Type.Optional(Type.Record(Type.String(), Type.String())),
  message: Type.Optional(Type.String())
})
export const ErrorReply = Type.Object({ message: Type.String(), code: Type.Optional(Type.String()), request_id: Type.Optional(Type.String()) })
