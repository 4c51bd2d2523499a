// One HTTP request and its answer, kept so a failed rule can show exactly what was sent and
// what came back. `exchange` sends bytes as given (no redirects followed, no body rewriting),
// which the SSO and drain rules need; `fromDriver` wraps the Heroku driver's requests.
import http from 'node:http'
import https from 'node:https'
import { rootCertificates } from 'node:tls'
import type { DriverRequest, DriverResult } from '@addonkit/heroku-sim'

export interface Exchange {
  request: { method: string, url: string, headers: Record<string, string>, body?: string }
  response?: { status: number, headers: Record<string, string | string[]>, body: string }
  /** Why no answer came (connection refused, timeout). */
  error?: string
  elapsedMs: number
}

export interface RawRequest {
  method: string
  url: string
  headers?: Record<string, string>
  body?: string | Buffer
  timeoutMs?: number
  /** Certificates to trust for https (PEM), besides Node's own. */
  ca?: string
}

export interface RawAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  /** The body parsed as JSON, undefined when it is not JSON. */
  json: any
  exchange: Exchange
}

const SHOWN_BODY = 2000

export function exchange (req: RawRequest): Promise<RawAnswer> {
  const url = new URL(req.url)
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8')
  const headers: Record<string, string> = { ...req.headers }
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['Content-Length'] = String(body.length)
  if (url.username !== '' && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
  }
  const shown: Exchange = {
    request: { method: req.method, url: masked(url), headers: maskHeaders(headers), ...(body === undefined ? {} : { body: clip(body.toString('utf8')) }) },
    elapsedMs: 0
  }
  const started = performance.now()
  const transport = url.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    const target = new URL(url.toString())
    target.username = ''
    target.password = ''
    const tls = url.protocol === 'https:' && req.ca ? { ca: [...rootCertificates, req.ca] } : {}
    const r = transport.request(target, { method: req.method, headers, agent: false, timeout: req.timeoutMs ?? 25_000, ...tls }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        shown.elapsedMs = performance.now() - started
        shown.response = { status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: clip(text) }
        let json: unknown
        try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, exchange: shown })
      })
      res.on('error', (err) => fail(err))
    })
    const fail = (err: Error) => {
      shown.elapsedMs = performance.now() - started
      shown.error = err.message
      resolve({ status: 0, headers: {}, text: '', json: undefined, exchange: shown })
    }
    r.on('timeout', () => r.destroy(new Error(`no answer within ${req.timeoutMs ?? 25_000} ms`)))
    r.on('error', fail)
    if (body !== undefined) r.write(body)
    r.end()
  })
}

/** The driver's request and result as an Exchange. */
export function fromDriver (req: DriverRequest, res: DriverResult): Exchange {
  const body = req.body === undefined ? undefined : JSON.stringify(req.body)
  return {
    request: { method: req.method, url: masked(new URL(req.url)), headers: maskHeaders(req.headers), ...(body === undefined ? {} : { body: clip(body) }) },
    ...(res.status === 0
      ? { error: res.error ?? 'no answer' }
      : { response: { status: res.status, headers: res.headers, body: clip(typeof res.body === 'string' ? res.body : res.body === null ? '' : JSON.stringify(res.body)) } }),
    elapsedMs: res.elapsedMs
  }
}

function clip (s: string): string {
  return s.length > SHOWN_BODY ? `${s.slice(0, SHOWN_BODY)}… (${s.length} characters)` : s
}

function masked (url: URL): string {
  const u = new URL(url.toString())
  if (u.password !== '') u.password = '***'
  return u.toString()
}

/** Credentials are shown by kind only: `Basic ***`, `Bearer ***`. */
function maskHeaders (headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, k.toLowerCase() === 'authorization' ? `${v.split(' ')[0]} ***` : v]))
}

function flatHeaders (h: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v
  return out
}
