// The dashboard's error codes. Every refusal a browser can meet is one of these and is
// rendered as an HTML page that says what to do (html-errors.ts); the message is shown to
// the customer, so it never carries internals.
import createError from '@fastify/error'

/** SSO refused (protocol §10.3: respond 403). The message says why in customer terms. */
export const SsoRefused = createError<[string]>('DASH_SSO_REFUSED', '%s', 403)
export const SsoRateLimited = createError('DASH_SSO_RATE_LIMITED', 'Too many failed sign-in attempts from this address.', 429)
export const LoginRequired = createError('DASH_LOGIN_REQUIRED', 'Sign-in required.', 403)
export const CsrfInvalid = createError('DASH_CSRF_INVALID', 'The form is missing its security token.', 403)
export const NotFound = createError<[string]>('DASH_NOT_FOUND', '%s', 404)
export const Gone = createError('DASH_GONE', 'This add-on has been removed, or could not be created, so its dashboard is closed.', 410)
/** The OAuth callback's `state` is missing, forged, expired, used already or not this browser's (a CSRF check). */
export const OAuthStateInvalid = createError('DASH_OAUTH_STATE_INVALID', 'This answer from Heroku does not belong to a connection started from this browser, or it has been used already.', 403)
/** The operator has not configured a Heroku OAuth client (HEROKU_OAUTH_ID / HEROKU_OAUTH_SECRET). */
export const OAuthNotConfigured = createError('DASH_OAUTH_NOT_CONFIGURED', 'Connecting a Heroku account is not available: the operator of this add-on has not configured it.', 404)
