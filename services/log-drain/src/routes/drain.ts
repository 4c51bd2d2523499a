// POST /drain: Logplex HTTPS drain ingestion (protocol §11.1). The order of checks follows
// what Logplex does with each answer: 415 / 403 / 400 / 413 are permanent (it drops the
// batch, which is right for a batch that can never be accepted), 503 + Retry-After is
// transient (it retries with the same Logplex-Frame-Id). 204 only after JetStream has the
// batch on disk.
import { createHash, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { FramingError, checkFrames } from '@addonkit/logplex'
import { safeEqual, verifySecret } from '@addonkit/secrets'
import { BadFraming, Forbidden, UnsupportedMediaType } from '../errors.js'
import { basicCredentials, mediaType } from '../basic-auth.js'
import type { IngestLoad } from '../ingest/ingest-load.js'

export interface DrainRouteOptions {
  bodyLimit: number
  /** Counts drain requests in flight (from the first byte to the answer) for the writer. */
  load?: IngestLoad
}

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() })
const FRAME_ID = /^[A-Za-z0-9._:-]{1,128}$/
const COUNT = /^\d{1,7}$/

function header (v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

/** The batch's de-duplication key: the Frame-Id as sent, or a digest of an odd one. */
function batchIdOf (frameId: string | undefined): string {
  if (frameId === undefined || frameId === '') return `none-${randomUUID()}` // cannot be de-duplicated
  return FRAME_ID.test(frameId) ? frameId : `sha256-${createHash('sha256').update(frameId).digest('hex')}`
}

export default async function drainRoutes (app: FastifyInstance, opts: DrainRouteOptions) {
  // The drain body is octet-counted bytes (protocol §11.1, §16 item 14): take it raw, whatever
  // the Content-Type says, and answer a wrong type with our own 415.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => { done(null, body) })

  const load = opts.load
  if (load) {
    app.addHook('onRequest', async (_req, reply) => {
      load.requestStarted()
      // 'close' comes exactly once per response, answered or aborted.
      reply.raw.once('close', () => { load.requestEnded() })
    })
  }

  const answers = app.metrics.counter({ name: 'addonkit_drain_requests_total', help: 'Logplex drain POSTs by the HTTP status answered (204 stored; 503 asks Logplex to retry).', labelNames: ['status'] })
  const acknowledged = app.metrics.counter({ name: 'addonkit_drain_lines_acknowledged_total', help: 'Log lines in drain POSTs answered 204 (on disk in JetStream).' })

  app.post('/drain', {
    bodyLimit: opts.bodyLimit,
    logLevel: 'warn',
    onResponse: async (_req, reply) => { answers.inc({ status: String(reply.statusCode) }) },
    schema: {
      headers: Type.Object({ 'logplex-drain-token': Type.Optional(Type.String()), 'logplex-msg-count': Type.Optional(Type.String()), 'logplex-frame-id': Type.Optional(Type.String()) }),
      response: { 204: Type.Null(), '4xx': ErrorBody, '5xx': ErrorBody }
    }
  }, async (req, reply) => {
    const receivedAt = Date.now()
    if (mediaType(req.headers['content-type']) !== 'application/logplex-1') throw new UnsupportedMediaType('Content-Type must be application/logplex-1.')
    const token = header(req.headers['logplex-drain-token'])
    if (!token || token.length > 256) throw new Forbidden()
    // The tenant comes from the drain credentials of its log_drain_url (unique per tenant);
    // the token Heroku sends must be the one this tenant was provisioned with. Tokens are not
    // unique keys: a provision may repeat another add-on's (nothing in the protocol refuses it).
    const creds = basicCredentials(req.headers.authorization)
    if (!creds || creds.user.length > 256) throw new Forbidden()
    const tenant = await app.tenants.byDrainUser(creds.user)
    if (!tenant || !tenant.live || tenant.drainToken === null || !safeEqual(token, tenant.drainToken) || !verifySecret(creds.pass, tenant.drainSecretHash)) throw new Forbidden()

    const countHeader = header(req.headers['logplex-msg-count'])
    if (countHeader !== undefined && !COUNT.test(countHeader)) throw new BadFraming(`Logplex-Msg-Count must be a whole number, got ${JSON.stringify(countHeader.slice(0, 32))}.`)
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    let count: number
    try {
      count = checkFrames(body, countHeader === undefined ? {} : { expectedCount: Number(countHeader) })
    } catch (err) {
      // The whole batch is refused and nothing of it is stored (issue 4): a body we cannot
      // frame would be stored wrongly, and Logplex would send the same bytes again.
      if (err instanceof FramingError) throw new BadFraming(`${err.code}: ${err.message}`)
      throw err
    }
    if (count > 0) {
      await app.ingest.publish({ tenantId: tenant.id, batchId: batchIdOf(header(req.headers['logplex-frame-id'])), body, count, origin: 'drain', receivedAt })
      acknowledged.inc(count)
    }
    return reply.code(204).send()
  })
}
