// Writes lines to a customer app's log stream through its log_input_url (protocol §11.2):
// Basic credentials taken out of the URL, exact Content-Length (no chunked encoding), a
// Logplex-Msg-Count and a Logplex-Frame-Id that stays the same across retries. 5xx, 429,
// network errors and timeouts are retried; a 4xx means the URL or its credentials are no
// longer good, so the caller should fetch a fresh URL instead of retrying.
import { randomBytes } from 'node:crypto'
import { PlatformApiError, PlatformErrorCode } from './errors.js'
import { type LogLine, buildLogplexBody } from './logplex-frames.js'
import { sendWithRetries } from './send-with-retries.js'

export interface PostAppLogsOptions {
  /** The add-on resource id (uuid): HOSTNAME of every frame and the default PROCID. */
  addonId: string
  /** Should identify the add-on uniquely, e.g. `Acme (https://elements.heroku.com/addons/acme; Node/20)`. */
  userAgent: string
  /** Attempts including the first. Default 3 (Logplex's own drain budget, §11.1). */
  maxAttempts?: number
  /** First backoff step. Default 200 ms. */
  baseDelayMs?: number
  /** Deadline of each attempt. Default 10000 ms. */
  timeoutMs?: number
}

/**
 * Posts the lines as one request. @throws PlatformApiError when the URL is unusable or
 * Heroku refused the request or every attempt failed; FrameEncodeError (@addonkit/logplex)
 * for a line whose frame would be over 1 MiB.
 */
export async function postAppLogs (logInputUrl: string, lines: readonly LogLine[], opts: PostAppLogsOptions): Promise<void> {
  if (lines.length === 0) return
  const { url, authorization } = splitCredentials(logInputUrl)
  const { body, count } = buildLogplexBody(lines, { addonId: opts.addonId })
  const headers: Record<string, string> = {
    'Content-Type': 'application/logplex-1',
    'Logplex-Msg-Count': String(count),
    'Logplex-Frame-Id': randomBytes(16).toString('hex').toUpperCase(),
    'User-Agent': opts.userAgent
  }
  if (authorization !== undefined) headers.Authorization = authorization
  await sendWithRetries({ method: 'POST', url, headers, body, timeoutMs: opts.timeoutMs ?? 10_000 }, {
    maxAttempts: opts.maxAttempts ?? 3,
    baseDelayMs: opts.baseDelayMs ?? 200,
    // The host alone: the URL's user:pass is the credential and must not reach a log.
    what: `POST log input ${url.host}${url.pathname}`,
    rejectCode: () => PlatformErrorCode.LOG_INPUT_REJECTED
  })
}

/** Moves `user:pass@` out of the URL into a Basic Authorization header. */
function splitCredentials (raw: string): { url: URL, authorization?: string } {
  let url: URL
  try { url = new URL(raw) } catch (err) {
    throw new PlatformApiError(PlatformErrorCode.INVALID_ARGUMENT, 'log input URL is not a valid URL', { retryable: false, cause: err })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PlatformApiError(PlatformErrorCode.INVALID_ARGUMENT, `log input URL must be http(s), got ${url.protocol}`, { retryable: false })
  }
  if (url.username === '' && url.password === '') return { url }
  const user = decodeURIComponent(url.username)
  const pass = decodeURIComponent(url.password)
  url.username = ''
  url.password = ''
  return { url, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` }
}
