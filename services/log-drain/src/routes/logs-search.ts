// GET /v1/logs: search one tenant's lines, newest first, with an opaque cursor. Filters:
// time range (since/until, RFC 3339 or epoch ms), q (case-insensitive substring), source
// (app|heroku), proc (`web.1`, or `web` for every web dyno), status (`5xx` or `404`), path
// (exact, or a prefix ending in `*`).
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { BadCursorError, type LogStore } from '@addonkit/log-store'
import { BadRequest } from '../errors.js'
import { ErrorBody, SearchLineSchema } from './schemas.js'

const Query = Type.Object({
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  source: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })),
  proc: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' })),
  status: Type.Optional(Type.String({ pattern: '^([1-5]xx|[1-5][0-9]{2})$' })),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 256 }))
})

const Result = Type.Object({ lines: Type.Array(SearchLineSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) })

/** RFC 3339 or epoch milliseconds → epoch ms. */
export function parseTime (name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN
  if (Number.isNaN(ms)) throw new BadRequest(`${name} must be an RFC 3339 time or epoch milliseconds.`)
  return ms
}

export default async function searchRoutes (app: FastifyInstance, opts: { store: LogStore }) {
  app.get<{ Querystring: Static<typeof Query> }>('/v1/logs', {
    schema: { querystring: Query, response: { 200: Result, '4xx': ErrorBody, '5xx': ErrorBody } }
  }, async (req) => {
    const q = req.query
    const status = q.status === undefined ? undefined : q.status.endsWith('xx') ? { min: Number(q.status[0]) * 100, max: Number(q.status[0]) * 100 + 99 } : { min: Number(q.status), max: Number(q.status) }
    try {
      const r = await opts.store.search({
        tenantId: req.tenant.id,
        retentionDays: req.tenant.limits.retentionDays,
        since: parseTime('since', q.since),
        until: parseTime('until', q.until),
        text: q.q,
        source: q.source,
        proc: q.proc,
        status,
        path: q.path,
        limit: q.limit ?? 100,
        cursor: q.cursor
      })
      return { lines: r.lines, next_cursor: r.nextCursor }
    } catch (err) {
      if (err instanceof BadCursorError) throw new BadRequest(err.message)
      throw err
    }
  })
}
