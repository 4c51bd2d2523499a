// Errors of the Platform API client. Every error carries a stable `code`, the HTTP status
// when Heroku answered, whether trying again later can help, and Heroku's error `id`.
// Messages never contain tokens, grant codes, client secrets or URL credentials.

/** The codes a PlatformApiError can carry. */
export const PlatformErrorCode = {
  /** 400 from the Platform API or the token endpoint. */
  BAD_REQUEST: 'PLATFORM_BAD_REQUEST',
  /** The grant code or refresh token is unknown, used or expired (Heroku id `invalid_grant`). */
  INVALID_GRANT: 'PLATFORM_INVALID_GRANT',
  /** 401: the bearer token (or the client secret) was refused; refresh and try again. */
  UNAUTHORIZED: 'PLATFORM_UNAUTHORIZED',
  /** 403: the token is not allowed to touch this add-on. */
  FORBIDDEN: 'PLATFORM_FORBIDDEN',
  NOT_FOUND: 'PLATFORM_NOT_FOUND',
  /** 422: Heroku refused the request's content (e.g. a config var outside the manifest). */
  UNPROCESSABLE: 'PLATFORM_UNPROCESSABLE',
  /** Any other 4xx (except 429). */
  REJECTED: 'PLATFORM_REJECTED',
  /** 429 `rate_limit`, from a call the client does not retry (the caller waits for the limit to recover). */
  RATE_LIMITED: 'PLATFORM_RATE_LIMITED',
  /** 5xx, 429, network errors or timeouts on every attempt. */
  RETRIES_EXHAUSTED: 'PLATFORM_RETRIES_EXHAUSTED',
  /** A 2xx whose body is not what the protocol promises. */
  BAD_RESPONSE: 'PLATFORM_BAD_RESPONSE',
  /** The log input URL answered 4xx: fetch a fresh URL rather than retrying (§11.2). */
  LOG_INPUT_REJECTED: 'PLATFORM_LOG_INPUT_REJECTED',
  /** The caller passed something unusable (e.g. a log input URL that is not http(s)). */
  INVALID_ARGUMENT: 'PLATFORM_INVALID_ARGUMENT'
} as const

export type PlatformErrorCode = typeof PlatformErrorCode[keyof typeof PlatformErrorCode]

export interface PlatformApiErrorOptions {
  status?: number
  retryable: boolean
  herokuId?: string
  herokuMessage?: string
  rateLimitRemaining?: number
  retryAfterMs?: number
  cause?: unknown
}

export class PlatformApiError extends Error {
  readonly code: string
  readonly status?: number
  readonly retryable: boolean
  /** Heroku's error `id` from the JSON body, e.g. `invalid_grant`, `unauthorized`. */
  readonly herokuId?: string
  /** Heroku's error `message`, for the customer (it never holds credentials). */
  readonly herokuMessage?: string
  /** `RateLimit-Remaining` of the answer, when it had one. */
  readonly rateLimitRemaining?: number
  /** How long a 429 asked to wait (Retry-After), in ms. */
  readonly retryAfterMs?: number

  constructor (code: string, message: string, options: PlatformApiErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.retryable = options.retryable
    if (options.status !== undefined) this.status = options.status
    if (options.herokuId !== undefined) this.herokuId = options.herokuId
    if (options.herokuMessage !== undefined) this.herokuMessage = options.herokuMessage
    if (options.rateLimitRemaining !== undefined) this.rateLimitRemaining = options.rateLimitRemaining
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
  }
}

/** The code for a non-retryable 4xx answer. */
export function codeForStatus (status: number, herokuId: string | undefined): PlatformErrorCode {
  if (herokuId === 'invalid_grant') return PlatformErrorCode.INVALID_GRANT
  switch (status) {
    case 400: return PlatformErrorCode.BAD_REQUEST
    case 401: return PlatformErrorCode.UNAUTHORIZED
    case 403: return PlatformErrorCode.FORBIDDEN
    case 404: return PlatformErrorCode.NOT_FOUND
    case 422: return PlatformErrorCode.UNPROCESSABLE
    default: return PlatformErrorCode.REJECTED
  }
}
