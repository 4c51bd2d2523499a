// pino options shared by every service: JSON lines, request ids taken from (or given to)
// `x-request-id`, and redaction of everything that can carry a secret.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isSpanContextValid, trace } from '@opentelemetry/api'

/** Paths pino replaces with "[redacted]" wherever they appear in a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["logplex-drain-token"]',
  'res.headers["set-cookie"]',
  '*.password', '*.secret', '*.token', '*.access_token', '*.refresh_token', '*.client_secret',
  '*.config', '*.code', '*.oauth_grant', '*.log_input_url', '*.url', '*.databaseUrl',
  'err.config', 'body', 'params.password'
]

export function loggerOptions (name: string, level: string) {
  return {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    mixin: traceFields,
    serializers: {
      req (req: { method: string, url: string, id: string, ip?: string }) {
        // The query string can carry SSO tokens: log the path only.
        return { method: req.method, path: req.url.split('?')[0], id: req.id, ip: req.ip }
      }
    }
  }
}

/** trace_id and span_id of the active span (tracing.ts), so a log line leads to its trace; {} when none. */
export function traceFields (): { trace_id?: string, span_id?: string } {
  const span = trace.getActiveSpan()
  if (!span) return {}
  const sc = span.spanContext()
  return isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {}
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
export function genReqId (req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}
