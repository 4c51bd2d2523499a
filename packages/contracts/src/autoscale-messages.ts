// Autoscaling messages: the router-metric windows the log-drain writer publishes after
// storing them (packages/autoscale router-window.ts, histograms as [bucket, count] pairs).
import { Type, type Static } from '@sinclair/typebox'

const Sparse = Type.Array(Type.Tuple([Type.Integer({ minimum: 0, maximum: 127 }), Type.Integer({ minimum: 1 })]), { maxItems: 128 })

export const WireRouterWindow = Type.Object({
  processType: Type.String({ pattern: '^[-\\w]{1,128}$' }),
  /** ms since the epoch, a multiple of 10,000. */
  start: Type.Integer({ minimum: 0 }),
  requests: Type.Integer({ minimum: 0 }),
  /** 1xx..5xx. */
  statuses: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 5, maxItems: 5 }),
  errors: Type.Record(Type.String({ maxLength: 16 }), Type.Integer({ minimum: 0 })),
  service: Sparse,
  connect: Sparse,
  queue: Sparse,
  load: Type.Object({ sum: Type.Number({ minimum: 0 }), samples: Type.Integer({ minimum: 0 }), max: Type.Number({ minimum: 0 }) })
})
export type WireRouterWindow = Static<typeof WireRouterWindow>

export const RouterWindowsMessage = Type.Object({
  tenantId: Type.String(),
  windows: Type.Array(WireRouterWindow, { maxItems: 1000 })
})
export type RouterWindowsMessage = Static<typeof RouterWindowsMessage>
