// The root error handler: errors with a code and a 4xx status are answered as they are;
// anything else is logged with its context and answered as a bare 500 (no internals).
import type { FastifyError, FastifyInstance } from 'fastify'

export function installErrorHandler (app: FastifyInstance, prefix: string) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (status >= 500) {
      req.log.error({ err }, 'request failed')
      return reply.code(status).send({ code: `${prefix}_INTERNAL`, message: 'Internal error; it has been logged.', request_id: req.id })
    }
    if (err.validation) return reply.code(status).send({ code: `${prefix}_BAD_REQUEST`, message: err.message, request_id: req.id })
    return reply.code(status).send({ code: err.code ?? `${prefix}_ERROR`, message: err.message, request_id: req.id })
  })
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ code: `${prefix}_NOT_FOUND`, message: `No route for ${req.method} ${req.url.split('?')[0]}`, request_id: req.id })
  })
}
