// One HTTP exchange over node:http(s) with a deadline covering the whole exchange. Bodies
// go out as Buffers with an exact Content-Length, never chunked: Logplex input rejects
// chunked bodies (protocol §11.2) and the Platform API needs nothing else.
import http from 'node:http'
import https from 'node:https'
import { PlatformApiError, PlatformErrorCode } from './errors.js'

export interface HttpRequest {
  method: string
  /** Must not carry user:pass (callers turn them into an Authorization header). */
  url: URL
  headers: Record<string, string>
  body?: Buffer
  timeoutMs: number
}

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** The exchange did not complete: the connection failed or the deadline passed. */
export class TransportError extends Error {
  readonly code: 'PLATFORM_TIMEOUT' | 'PLATFORM_NETWORK'
  constructor (code: TransportError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TransportError'
    this.code = code
  }
}

export function sendOnce (req: HttpRequest): Promise<HttpResponse> {
  const mod = req.url.protocol === 'https:' ? https : http
  const headers: Record<string, string> = { ...req.headers }
  if (req.body !== undefined) headers['Content-Length'] = String(req.body.length)
  return new Promise((resolve, reject) => {
    let settled = false
    let timedOut = false
    const fail = (err: unknown): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err instanceof PlatformApiError) reject(err)
      else if (timedOut) reject(new TransportError('PLATFORM_TIMEOUT', `no complete answer within ${req.timeoutMs} ms`, { cause: err }))
      else reject(new TransportError('PLATFORM_NETWORK', `network error: ${(err as Error)?.message ?? String(err)}`, { cause: err }))
    }
    const timer = setTimeout(() => {
      timedOut = true
      request?.destroy()
      fail(new Error('deadline passed'))
    }, req.timeoutMs)
    let request: http.ClientRequest | undefined
    try {
      request = mod.request(req.url, { method: req.method, headers })
    } catch (err) {
      // e.g. ERR_INVALID_CHAR for a header value; Node's message names the header, not its value.
      fail(new PlatformApiError(PlatformErrorCode.INVALID_ARGUMENT, `request could not be built: ${(err as Error).message}`, { retryable: false, cause: err }))
      return
    }
    request.on('error', fail)
    request.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', fail)
      res.on('aborted', () => fail(new Error('connection closed mid-response')))
      res.on('end', () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
      })
    })
    request.end(req.body)
  })
}
