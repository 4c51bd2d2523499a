// GET /v1/logs/tail: live tail as Server-Sent Events. Each batch JetStream confirmed is
// published by ingestion on the tenant's core NATS subject (subjects.logTail) while some
// tail announces itself on subjects.logTailInterest (at connect, then every 5 s), without
// waiting for the writer to store it; this route forwards it,
// one `data:` event per line. `?backlog=N` first replays the newest N stored lines. A
// comment every 15 s keeps proxies from closing an idle stream. A slow client whose socket
// buffer fills loses live lines rather than growing this process's memory.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { LOG_TAIL_INTEREST_MS, subjects, type LogTailMessage } from '@addonkit/contracts'
import type { LogStore } from '@addonkit/log-store'
import { ErrorBody } from './schemas.js'

const Query = Type.Object({ backlog: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 0 })) })

const HEARTBEAT_MS = 15_000
/** How often an open tail tells ingestion it is there (see TAIL_INTEREST_MS in ingest/live-tail.ts). */
const INTEREST_MS = LOG_TAIL_INTEREST_MS
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

export default async function tailRoutes (app: FastifyInstance, opts: { store: LogStore }) {
  app.get<{ Querystring: Static<typeof Query> }>('/v1/logs/tail', {
    schema: { querystring: Query, response: { '4xx': ErrorBody, '5xx': ErrorBody } }
  }, async (req, reply) => {
    const tenant = req.tenant
    const res = reply.raw
    // Subscribe before reading the backlog, so nothing stored in between is missed
    // (a line may then appear twice; never zero times).
    const sub = app.nats.subscribe(subjects.logTail(tenant.id))
    const announce = () => { try { app.nats.publish(subjects.logTailInterest(tenant.id)) } catch {} }
    announce()
    const interest = setInterval(announce, INTEREST_MS)
    const backlog = (req.query.backlog ?? 0) > 0 ? await opts.store.tail(tenant.id, tenant.limits.retentionDays, req.query.backlog!) : []
    reply.hijack()
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-request-id': req.id })
    res.write(': tail of this add-on\'s logs\n\n')
    for (const l of backlog) res.write(`event: line\ndata: ${JSON.stringify({ ts: l.ts, source: l.source, proc: l.proc, message: l.message, status: l.router?.status ?? null, path: l.router?.path ?? null })}\n\n`)
    const heartbeat = setInterval(() => { res.write(': keep-alive\n\n') }, HEARTBEAT_MS)
    const close = () => { clearInterval(heartbeat); clearInterval(interest); try { sub.unsubscribe() } catch {} }
    res.on('close', close)
    ;(async () => {
      for await (const m of sub) {
        if (res.writableLength > MAX_BUFFERED_BYTES) continue
        let msg: LogTailMessage
        try { msg = JSON.parse(new TextDecoder().decode(m.data)) as LogTailMessage } catch { continue }
        let out = ''
        for (const l of msg.lines) out += `event: line\ndata: ${JSON.stringify(l)}\n\n`
        res.write(out)
      }
    })().catch(() => {}).finally(() => { clearInterval(heartbeat); clearInterval(interest); if (!res.writableEnded) res.end() })
  })
}
