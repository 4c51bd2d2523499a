// Errors as HTML pages for everything a browser reaches: each DASH_ code has a page that
// says what happened and what to do; anything unexpected is logged with its context and
// shown as a bare "something went wrong" with the request id — never a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { csrfFailedPage, errorPage, loginRequiredPage, oauthRefusedPage, rateLimitedPage, ssoFailedPage, type AddonLabels } from '../views/message-pages.js'

export function sendPage (reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page)
}

export function installHtmlErrors (app: FastifyInstance, addon: AddonLabels): void {
  app.setErrorHandler((err: FastifyError & { app?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (status >= 500) {
      req.log.error({ err }, 'request failed')
      return sendPage(reply, status, errorPage(addon, status, 'The dashboard could not complete this request; it has been logged.', 'DASH_INTERNAL', req.id))
    }
    switch (err.code) {
      case 'DASH_SSO_REFUSED': return sendPage(reply, status, ssoFailedPage(addon, err.message, err.code, err.app))
      case 'DASH_SSO_RATE_LIMITED': return sendPage(reply, status, rateLimitedPage(addon, Number(reply.getHeader('retry-after') ?? 60), err.code))
      case 'DASH_LOGIN_REQUIRED': return sendPage(reply, status, loginRequiredPage(addon, err.code))
      case 'DASH_CSRF_INVALID': return sendPage(reply, status, csrfFailedPage(addon, err.code))
      case 'DASH_OAUTH_STATE_INVALID': return sendPage(reply, status, oauthRefusedPage(addon, err.code))
    }
    if (err.validation) return sendPage(reply, 400, errorPage(addon, 400, 'The request was not in the expected form.', 'DASH_BAD_REQUEST', req.id))
    const code = err.code?.startsWith('DASH_') ? err.code : 'DASH_ERROR'
    return sendPage(reply, status, errorPage(addon, status, err.code?.startsWith('DASH_') ? err.message : 'The request was not accepted.', code, req.id))
  })
}
