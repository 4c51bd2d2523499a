// The log-drain's error codes (DRAIN_ prefix). Logplex drops a batch on any 4xx except 429
// and retries 5xx/429 with the same Frame-Id (protocol §11.1, §16 item 13): a 4xx here means
// "this batch can never be accepted", a 503 means "try again", never the other way round.
import createError from '@fastify/error'

export const UnsupportedMediaType = createError<[string]>('DRAIN_UNSUPPORTED_MEDIA_TYPE', '%s', 415)
export const BadFraming = createError<[string]>('DRAIN_BAD_FRAMING', '%s', 400)
export const BadRequest = createError<[string]>('DRAIN_BAD_REQUEST', '%s', 400)
export const Forbidden = createError('DRAIN_FORBIDDEN', 'Unknown or revoked drain, or wrong drain credentials.', 403)
export const Unauthorized = createError('DRAIN_UNAUTHORIZED', 'Invalid credentials: use the user and password of the add-on URL config var.', 401)
export const RateLimited = createError<[number]>('DRAIN_RATE_LIMITED', 'Too many requests for this plan (%d per minute); retry after the Retry-After seconds.', 429)
/** A dependency (JetStream, PostgreSQL) is down or slow: the sender should retry. */
export const Unavailable = createError<[string]>('DRAIN_UNAVAILABLE', '%s', 503)
/** Too many batches in flight: the sender should retry shortly. */
export const Saturated = createError('DRAIN_SATURATED', 'The log pipeline is saturated; retry shortly.', 503)

/** Seconds a sender should wait before retrying a 503 (sent as Retry-After). */
export const RETRY_AFTER_SECONDS = 1
