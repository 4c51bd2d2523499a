// TypeBox schemas shared by the data API routes.
import { Type } from '@sinclair/typebox'

export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() })

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()])

export const SearchLineSchema = Type.Object({
  id: Type.String(),
  ts: Type.String(),
  source: Type.String(),
  proc: Type.String(),
  message: Type.String(),
  timestamp_sent: Type.Optional(Type.String()),
  router: Type.Optional(Type.Object({
    status: Nullable(Type.Integer()),
    method: Nullable(Type.String()),
    path: Nullable(Type.String()),
    host: Nullable(Type.String()),
    connect_ms: Nullable(Type.Integer()),
    service_ms: Nullable(Type.Integer()),
    bytes: Nullable(Type.Integer()),
    request_id: Nullable(Type.String()),
    dyno: Nullable(Type.String())
  }))
})
