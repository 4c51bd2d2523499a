// Plumbing shared by the sim's routes: the request a handler sees, the reply it returns,
// Heroku's error body shape `{"id", "message"}`, and body reading and decoding.
import type { IncomingMessage } from 'node:http'

export interface SimRequest {
  method: string
  /** Path without the query string. */
  path: string
  headers: IncomingMessage['headers']
  raw: Buffer
  /** The client's address (whose rate-limit bucket an unauthenticated request spends). */
  remoteAddress?: string
}

export interface SimReply {
  status: number
  /** Sent as JSON. */
  body?: unknown
  /** Sent as is (with its own Content-Type in `headers`) instead of a JSON body. */
  text?: string
  headers?: Record<string, string>
}

export function ok (body: unknown, status = 200): SimReply {
  return { status, body }
}

export function herokuError (status: number, id: string, message: string): SimReply {
  return { status, body: { id, message } }
}

const MAX_BODY = 5 * 1024 * 1024

export function readBody (req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) req.destroy(new Error('body too large'))
      else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The media type without parameters, lower-cased. */
export function mediaType (header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase()
}

/** What SimCall.body holds: parsed JSON or form, else text. */
export function decodeBody (contentType: string | undefined, raw: Buffer): unknown {
  if (raw.length === 0) return undefined
  const text = raw.toString('utf8')
  const type = mediaType(contentType)
  if (type === 'application/json' || type.endsWith('+json')) {
    try { return JSON.parse(text) } catch { return text }
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text))
  return text
}

/**
 * A JSON request body as the Platform API wants it: `application/json` (else 415) that
 * parses (else 400).
 */
export function jsonBody (req: SimRequest): { ok: true, value: unknown } | { ok: false, reply: SimReply } {
  if (mediaType(req.headers['content-type']) !== 'application/json') {
    return { ok: false, reply: herokuError(415, 'unsupported_media_type', 'Content-Type must be application/json.') }
  }
  try {
    return { ok: true, value: JSON.parse(req.raw.toString('utf8')) }
  } catch {
    return { ok: false, reply: herokuError(400, 'bad_request', 'Invalid JSON body.') }
  }
}

/** user and password of a Basic Authorization header, or undefined. */
export function basicCredentials (header: string | undefined): { user: string, pass: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  return i < 0 ? undefined : { user: decoded.slice(0, i), pass: decoded.slice(i + 1) }
}
