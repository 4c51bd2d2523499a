// The gateway's error codes. Heroku shows `message` to the customer (protocol §3.8, §4.5), so
// each message says what to do.
import createError from '@fastify/error'

export const Unauthorized = createError('GW_UNAUTHORIZED', 'Invalid add-on credentials', 401)
export const Invalid = createError<[string]>('GW_INVALID', '%s', 422)
export const Conflict = createError<[string]>('GW_CONFLICT', '%s', 409)
export const Gone = createError<[string]>('GW_GONE', '%s', 410)
export const NotFound = createError<[string]>('GW_NOT_FOUND', '%s', 404)
export const Unavailable = createError<[string]>('GW_UNAVAILABLE', '%s', 503)
