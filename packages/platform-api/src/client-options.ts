// Options of the Platform API client and their defaults, resolved once.

/** One attempt of a call, as metrics see it: no ids, tokens or bodies. */
export interface CallAttempt {
  /** The path with ids replaced, e.g. `/addons/{id}/config`. */
  endpoint: string
  method: string
  /** The HTTP status, or `error` when no answer came. */
  status: number | 'error'
  rateLimitRemaining?: number
}
export type CallObserver = (attempt: CallAttempt) => void

export interface PlatformClientOptions {
  /** Platform API base, e.g. https://api.heroku.com (HEROKU_API_URL). */
  apiUrl: string
  /** OAuth host, e.g. https://id.heroku.com (HEROKU_ID_URL). */
  idUrl: string
  /** The add-on's OAuth client secret (HEROKU_CLIENT_SECRET). */
  clientSecret: string
  userAgent?: string
  /** Attempts per call, including the first. Default 5. */
  maxAttempts?: number
  /** First backoff step. Default 200 ms. */
  baseDelayMs?: number
  /** Deadline of each attempt. Default 10000 ms. */
  timeoutMs?: number
  /** Told of every attempt (metrics). */
  observe?: CallObserver
}

export interface ResolvedClientOptions {
  apiUrl: string
  idUrl: string
  clientSecret: string
  userAgent: string
  maxAttempts: number
  baseDelayMs: number
  timeoutMs: number
  observe?: CallObserver
}

export const DEFAULT_USER_AGENT = `addonkit-platform-api/0.1.0 (Node.js/${process.versions.node})`

export function resolveClientOptions (opts: PlatformClientOptions): ResolvedClientOptions {
  return {
    apiUrl: trimSlash(opts.apiUrl),
    idUrl: trimSlash(opts.idUrl),
    clientSecret: opts.clientSecret,
    userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
    maxAttempts: opts.maxAttempts ?? 5,
    baseDelayMs: opts.baseDelayMs ?? 200,
    timeoutMs: opts.timeoutMs ?? 10_000,
    ...(opts.observe ? { observe: opts.observe } : {})
  }
}

function trimSlash (url: string): string {
  return url.replace(/\/+$/, '')
}
