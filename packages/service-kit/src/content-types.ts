// How every service reads JSON bodies. Heroku sends `Content-Type: application/json` on
// every Partner API request, including a DELETE with no body (protocol §3.3, §7.1); Fastify's
// own parser answers such a request 400 FST_ERR_CTP_EMPTY_JSON_BODY, and no add-on would
// ever be removed. So an empty (or blank) JSON body is "no body" here, once for every
// service: a route whose body is optional gets `undefined`, and a route that needs one
// fails its schema with its own status and message instead of a framework 400.
// Heroku's vendor type (`application/vnd.heroku-addons+json; version=3`) and any other
// `+json` type are JSON too; media type parameters (`charset`, `version`) are ignored.
import type { FastifyInstance } from 'fastify'

/**
 * application/json, or any structured-syntax `+json` type (RFC 6839), with or without
 * parameters. Fastify tests it against the normalised header (`type/subtype; k="v"`).
 */
export const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json(?:;|$)/i

export function installJsonParser (app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'string' }, (req, body, done) => {
    const text = body as string
    if (text.trim() === '') { done(null, undefined); return }
    parseJson(req, text, done)
  })
}
