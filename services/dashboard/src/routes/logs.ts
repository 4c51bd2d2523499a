// GET /dashboard/:uuid/logs, the search of the add-on's stored lines, and
// GET /dashboard/:uuid/logs/tail, its live tail as Server-Sent Events: the log-drain
// publishes each batch JetStream confirmed on the tenant's NATS subject (subjects.logTail)
// and this route forwards it, one `line` event per line, as soon as it arrives. A comment every
// heartbeat keeps proxies from closing an idle stream; the heartbeat also re-checks the
// session, so signing out (or expiry) ends the tail. Registered inside dashboard.ts, whose
// preHandler has already checked the session for this add-on.
import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { decode, LOG_TAIL_INTEREST_MS, LogTailMessage, subjects } from '@addonkit/contracts'
import { NotFound } from '../errors.js'
import { findTenant, limitsFor, searchLines, tenantIdOf } from '@addonkit/log-store'
import type { AddonDefinition } from '@addonkit/config'
import { parseSearch, searchQueryString } from '../logs/search-form.js'
import { logsPage, type LogsState } from '../views/logs-page.js'
import { signedInAs } from './signed-in.js'
import { sendPage } from './html-errors.js'
import { EventStream, HtmlPage, InstanceParams, LogsQuery } from './schemas.js'

export interface LogRoutesOptions {
  addon: AddonDefinition
  heartbeatMs: number
}

// A slow client whose socket buffer fills loses live lines rather than growing our memory.
const MAX_BUFFERED_BYTES = 1024 * 1024

export default async function logRoutes (fastify: FastifyInstance, opts: LogRoutesOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const streams = new Set<ServerResponse>()
  // Open streams never go idle, so the server would wait for them forever on close.
  app.addHook('preClose', async () => { for (const res of streams) res.end() })

  app.get('/:uuid/logs', { schema: { params: InstanceParams, querystring: LogsQuery, response: { 200: HtmlPage } } }, async (req, reply) => {
    const s = req.signedIn!
    const uuid = s.instance.uuid
    const signedIn = signedInAs(s, 'logs')
    const { fields, search, problems } = parseSearch(req.query, new Date())
    const tenant = await findTenant(app.db.pool, 'instanceUuid', uuid)
    let state: LogsState = { kind: 'no-tenant' }
    if (tenant) {
      // The data API's search, with the tenant's retention as the data API applies it: a
      // line past the retention (e.g. after a downgrade) is shown by neither.
      const { retentionDays } = limitsFor(opts.addon, tenant.plan, tenant.options)
      const found = await searchLines(app.db.pool, { ...search, tenantId: tenant.id, retentionDays })
      const base = `/dashboard/${uuid}/logs`
      const href = (before?: string) => { const qs = searchQueryString(fields, before); return qs ? `${base}?${qs}` : base }
      state = { kind: 'results', lines: found.lines, olderHref: found.nextCursor ? href(found.nextCursor) : null, newestHref: search.cursor ? href() : null }
    }
    const tenantId = tenant?.id ?? null
    return sendPage(reply, 200, logsPage({ addonName: opts.addon.name, fields, problems, state, tailUrl: tenantId ? `/dashboard/${uuid}/logs/tail` : null, signedIn }))
  })

  app.get('/:uuid/logs/tail', { schema: { params: InstanceParams, response: { 200: EventStream, 404: HtmlPage } } }, async (req, reply) => {
    const { instance, sessionId } = req.signedIn!
    const tenantId = await tenantIdOf(app.db.pool, instance.uuid)
    if (!tenantId) throw new NotFound('This add-on has no log store yet, so there is nothing to tail.')
    const sub = app.nats.subscribe(subjects.logTail(tenantId))
    // The log-drain builds tail messages only for tenants someone is watching: announce
    // this tail now and while it stays open.
    const announce = () => { try { app.nats.publish(subjects.logTailInterest(tenantId)) } catch {} }
    announce()
    const interest = setInterval(announce, LOG_TAIL_INTEREST_MS)
    // The subscription (and the announcement) must be on the server before the browser sees
    // the stream open: a line published after that must not be missed.
    await app.nats.flush()
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive',
      'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff', 'x-request-id': req.id
    })
    res.write(': live tail of this add-on\'s logs\n\n')
    streams.add(res)
    const heartbeat = setInterval(() => {
      res.write(': keep-alive\n\n')
      app.sessions.touch(sessionId, instance.uuid).then((live) => { if (!live) res.end() }, () => {})
    }, opts.heartbeatMs)
    const close = () => { clearInterval(heartbeat); clearInterval(interest); streams.delete(res); try { sub.unsubscribe() } catch {} }
    res.on('close', close)
    ;(async () => {
      for await (const m of sub) {
        if (res.writableLength > MAX_BUFFERED_BYTES) continue
        let msg: LogTailMessage
        try { msg = decode(LogTailMessage, m.data) } catch (err) { req.log.warn({ err }, 'malformed log tail message'); continue }
        let out = ''
        for (const l of msg.lines) out += `event: line\ndata: ${JSON.stringify(l)}\n\n`
        if (out) res.write(out)
      }
    })().catch((err) => { req.log.warn({ err }, 'log tail subscription failed') }).finally(() => { close(); if (!res.writableEnded) res.end() })
  })
}
