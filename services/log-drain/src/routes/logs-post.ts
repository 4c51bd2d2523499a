// POST /v1/logs: lines sent by the app itself, as JSON `{"lines":[{message, at?, proc?}]}`
// or NDJSON (one `{message, at?, proc?}` per line). They are encoded as Logplex frames
// (APP-NAME `app`) and take the drain's path: JetStream, the writer, the quota, search
// and tail. Answered with the count once JetStream has them. An `Idempotency-Key` header
// makes a client's retry store the lines once, like a Logplex-Frame-Id.
import { createHash, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { encodeFrames, type EncodeFrameInput } from '@addonkit/logplex'
import { BadRequest } from '../errors.js'
import { ErrorBody } from './schemas.js'

const MAX_LINES = 10_000
const PROC = '^[!-~]{1,128}$'

const Line = Type.Object({
  message: Type.String({ maxLength: 100_000 }),
  at: Type.Optional(Type.String({ maxLength: 64 })),
  proc: Type.Optional(Type.String({ pattern: PROC }))
}, { additionalProperties: false })
type Line = Static<typeof Line>
const Body = Type.Object({ lines: Type.Array(Line, { minItems: 1, maxItems: MAX_LINES }) }, { additionalProperties: false })

function parseNdjson (text: string): Line[] {
  const out: Line[] = []
  const rows = text.split('\n')
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim()
    if (row === '') continue
    let v: unknown
    try { v = JSON.parse(row) } catch { throw new BadRequest(`NDJSON line ${i + 1} is not JSON.`) }
    if (!Value.Check(Line, v)) throw new BadRequest(`NDJSON line ${i + 1}: ${Value.Errors(Line, v).First()?.path || '/'} ${Value.Errors(Line, v).First()?.message}.`)
    out.push(v)
    if (out.length > MAX_LINES) throw new BadRequest(`At most ${MAX_LINES} lines per request.`)
  }
  if (out.length === 0) throw new BadRequest('No lines in the body.')
  return out
}

function frameOf (l: Line, now: number, i: number): EncodeFrameInput {
  let ts = new Date(now).toISOString()
  if (l.at !== undefined) {
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(l.at) ? Date.parse(l.at) : NaN
    if (Number.isNaN(ms)) throw new BadRequest(`lines[${i}].at must be an RFC 3339 time.`)
    ts = new Date(ms).toISOString()
  }
  return { pri: 190, timestamp: ts, appName: 'app', procId: l.proc ?? 'api', message: l.message }
}

export default async function postRoutes (app: FastifyInstance, opts: { bodyLimit: number }) {
  app.addContentTypeParser(['application/x-ndjson', 'application/jsonl', 'application/ndjson'], { parseAs: 'string', bodyLimit: opts.bodyLimit }, (_req, body, done) => { done(null, body) })

  app.post('/v1/logs', {
    bodyLimit: opts.bodyLimit,
    schema: {
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }),
      body: Type.Union([Body, Type.String()]),
      response: { 200: Type.Object({ accepted: Type.Integer() }), '4xx': ErrorBody, '5xx': ErrorBody }
    }
  }, async (req) => {
    const lines = typeof req.body === 'string' ? parseNdjson(req.body) : (req.body as Static<typeof Body>).lines
    const now = Date.now()
    const body = encodeFrames(lines.map((l, i) => frameOf(l, now, i)))
    const key = req.headers['idempotency-key']
    const batchId = typeof key === 'string' ? `api-${createHash('sha256').update(key).digest('hex').slice(0, 40)}` : `api-${randomUUID()}`
    await app.ingest.publish({ tenantId: req.tenant.id, batchId, body, count: lines.length, origin: 'api', receivedAt: now })
    return { accepted: lines.length }
  })
}
