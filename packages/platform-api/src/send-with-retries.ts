// Sends one logical request, retrying transient failures (see retry-policy.ts) and turning
// every failure into a PlatformApiError. `what` names the request in error messages; it is
// built by callers from the method and path only, never from tokens or credentials.
import { PlatformApiError, PlatformErrorCode, codeForStatus } from './errors.js'
import { readHerokuError } from './heroku-error-body.js'
import { type HttpRequest, type HttpResponse, TransportError, sendOnce } from './http-transport.js'
import { type RetryPolicy, backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry-policy.js'
import type { CallObserver } from './client-options.js'

export interface SendOptions extends RetryPolicy {
  what: string
  /** Code for a non-retryable 4xx; defaults to one derived from the status. */
  rejectCode?: (status: number, herokuId: string | undefined) => string
  /** Whether a 429 is retried here (default) or answered at once as RATE_LIMITED. */
  retry429?: boolean
  /** Told of every attempt (metrics). */
  observe?: CallObserver
}

/** Path segments that name one thing rather than a collection. */
const ID_AFTER = new Set(['addons', 'apps', 'formation', 'dynos', 'releases', 'users', 'authorizations', 'webhooks', 'log-drains', 'domains', 'collaborators', 'builds'])
const ID_LIKE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)$/i

/** `/apps/my-app/formation/web` → `/apps/{id}/formation/{id}`: a bounded label for metrics. */
export function endpointOf (pathname: string): string {
  const parts = pathname.split('/')
  return parts.map((p, i) => (i > 0 && (ID_AFTER.has(parts[i - 1]!) || ID_LIKE.test(p))) && p !== '' ? '{id}' : p).join('/')
}

function observeAttempt (req: HttpRequest, opts: SendOptions, status: number | 'error', res?: HttpResponse): void {
  if (!opts.observe) return
  const remaining = res ? rateLimitRemaining(res) : undefined
  try { opts.observe({ endpoint: endpointOf(req.url.pathname), method: req.method, status, ...(remaining === undefined ? {} : { rateLimitRemaining: remaining }) }) } catch {}
}

/** `RateLimit-Remaining` of an answer (protocol §21.2), when it carries a number. */
export function rateLimitRemaining (res: HttpResponse): number | undefined {
  const raw = res.headers['ratelimit-remaining']
  const v = Number(Array.isArray(raw) ? raw[0] : raw)
  return raw === undefined || !Number.isFinite(v) ? undefined : v
}

export async function sendWithRetries (req: HttpRequest, opts: SendOptions): Promise<HttpResponse> {
  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts))
  let lastStatus: number | undefined
  let lastHerokuId: string | undefined
  let lastProblem = ''
  let lastCause: unknown
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let delay = backoffDelay(attempt, opts.baseDelayMs)
    try {
      const res = await sendOnce(req)
      observeAttempt(req, opts, res.status, res)
      if (res.status >= 200 && res.status < 300) return res
      const herokuError = readHerokuError(res.body)
      const remaining = rateLimitRemaining(res)
      const details = {
        ...(herokuError.id === undefined ? {} : { herokuId: herokuError.id }),
        ...(herokuError.message === undefined ? {} : { herokuMessage: herokuError.message }),
        ...(remaining === undefined ? {} : { rateLimitRemaining: remaining })
      }
      if (res.status === 429 && opts.retry429 === false) {
        const retryAfterMs = parseRetryAfter(res.headers['retry-after'])
        throw new PlatformApiError(PlatformErrorCode.RATE_LIMITED, `${opts.what}: ${describe(res.status, herokuError)}`, {
          status: 429, retryable: true, ...details, ...(retryAfterMs === undefined ? {} : { retryAfterMs })
        })
      }
      if (!isRetryableStatus(res.status)) {
        const code = opts.rejectCode?.(res.status, herokuError.id) ?? codeForStatus(res.status, herokuError.id)
        throw new PlatformApiError(code, `${opts.what}: ${describe(res.status, herokuError)}`, { status: res.status, retryable: false, ...details })
      }
      lastStatus = res.status
      lastHerokuId = herokuError.id
      lastProblem = describe(res.status, herokuError)
      lastCause = undefined
      const retryAfter = parseRetryAfter(res.headers['retry-after'])
      if (retryAfter !== undefined) delay = retryAfter
    } catch (err) {
      if (!(err instanceof TransportError)) throw err
      observeAttempt(req, opts, 'error')
      lastStatus = undefined
      lastHerokuId = undefined
      lastProblem = err.message
      lastCause = err
    }
    if (attempt < maxAttempts) await sleep(delay)
  }
  throw new PlatformApiError(PlatformErrorCode.RETRIES_EXHAUSTED, `${opts.what}: gave up after ${maxAttempts} attempts (last: ${lastProblem})`, {
    retryable: true,
    ...(lastStatus === undefined ? {} : { status: lastStatus }),
    ...(lastHerokuId === undefined ? {} : { herokuId: lastHerokuId }),
    cause: lastCause
  })
}

function describe (status: number, e: { id?: string, message?: string }): string {
  return [String(status), e.id, e.message].filter(Boolean).join(' ')
}

/** Parses a 2xx JSON body; an empty body reads as null. */
export function readJson (res: HttpResponse, what: string): unknown {
  if (res.body.length === 0) return null
  try {
    return JSON.parse(res.body.toString('utf8'))
  } catch (err) {
    throw new PlatformApiError(PlatformErrorCode.BAD_RESPONSE, `${what}: answer ${res.status} is not JSON`, { status: res.status, retryable: false, cause: err })
  }
}
