// Error handling of the log-drain's routes: every error answers `{code, message}` with a
// DRAIN_ code. Fastify's own body errors get DRAIN_ codes too (413, 415, 400). Any 5xx
// becomes 503 with Retry-After: for Logplex, 500 and 503 are both "retry" (protocol §11.1), and
// Retry-After asks it to back off; the cause is logged, never sent.
import type { FastifyError, FastifyInstance } from 'fastify'
import { RETRY_AFTER_SECONDS } from './errors.js'

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'DRAIN_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'DRAIN_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'DRAIN_BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'DRAIN_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'DRAIN_BAD_REQUEST'
}

export function installDrainErrorHandler (scope: FastifyInstance): void {
  scope.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (status >= 500) {
      if (status === 503) req.log.warn({ err: { code: err.code, message: err.message } }, 'answered 503')
      else req.log.error({ err }, 'request failed; answered 503')
      reply.header('retry-after', String(RETRY_AFTER_SECONDS))
      return reply.code(503).send({ code: status === 503 && err.code?.startsWith('DRAIN_') ? err.code : 'DRAIN_UNAVAILABLE', message: status === 503 ? err.message : 'Temporary failure; it has been logged. Retry.' })
    }
    if (err.validation) return reply.code(400).send({ code: 'DRAIN_BAD_REQUEST', message: err.message })
    const code = err.code?.startsWith('DRAIN_') ? err.code : FASTIFY_CODES[err.code] ?? (status === 413 ? 'DRAIN_BODY_TOO_LARGE' : 'DRAIN_BAD_REQUEST')
    return reply.code(status).send({ code, message: err.message })
  })
}
