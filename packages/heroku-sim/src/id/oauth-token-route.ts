// POST {idUrl}/oauth/token as id.heroku.com answers it (spec §6): a form-encoded body,
// the client secret in the form (or as the Basic password, which identity also accepts),
// single-use grant codes and refresh tokens bound to one add-on.
import { timingSafeEqual } from 'node:crypto'
import { type SimReply, type SimRequest, basicCredentials, herokuError, mediaType, ok } from '../sim-http.js'
import type { SimState } from '../model/sim-state.js'

export function handleOAuthToken (state: SimState, req: SimRequest): SimReply {
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    return herokuError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded.')
  }
  const form = new URLSearchParams(req.raw.toString('utf8'))
  const secret = form.get('client_secret') ?? basicCredentials(req.headers.authorization)?.pass
  if (secret === undefined || !sameSecret(secret, state.options.clientSecret)) {
    return herokuError(401, 'unauthorized', 'Invalid OAuth client secret.')
  }
  const grantType = form.get('grant_type')
  if (grantType === 'authorization_code') {
    const code = form.get('code')
    if (!code) return herokuError(400, 'invalid_request', 'Missing grant code.')
    const redeemed = state.redeemGrant(code)
    if ('problem' in redeemed) return herokuError(400, 'invalid_grant', `The grant code is invalid: ${redeemed.problem}.`)
    return tokenReply(state, state.mintTokens(redeemed.uuid))
  }
  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token')
    const uuid = refreshToken ? state.refreshTokenOwner(refreshToken) : undefined
    if (!refreshToken || uuid === undefined) return herokuError(400, 'invalid_grant', 'The refresh token is invalid.')
    return tokenReply(state, state.mintTokens(uuid, refreshToken))
  }
  return herokuError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.')
}

function tokenReply (state: SimState, tokens: { accessToken: string, refreshToken: string }): SimReply {
  return ok({
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    expires_in: state.accessTtlSeconds,
    token_type: 'Bearer',
    user_id: '00000000-0000-4000-8000-000000000000',
    session_nonce: null
  })
}

function sameSecret (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
