// POST {idUrl}/oauth/token as id.heroku.com answers it (protocol §6, §21.3): a form-encoded
// body, the client secret in the form (or as the Basic password, which identity also
// accepts), single-use codes and refresh tokens. identity finds the client by its secret
// alone, so does the sim: the add-on's own client (`clientSecret`, whose codes are grants for
// one add-on) or the third-party OAuth client (`oauthClient`, whose codes come from
// /oauth/authorize for one user). A code or refresh token of the other client is
// `invalid_grant` and is not used up. A missing grant_type means authorization_code, as in identity.
import { timingSafeEqual } from 'node:crypto'
import { type SimReply, type SimRequest, basicCredentials, herokuError, mediaType, ok } from '../sim-http.js'
import type { SimState } from '../model/sim-state.js'
import type { ClientKind, Principal } from '../model/token-store.js'

export function handleOAuthToken (state: SimState, req: SimRequest): SimReply {
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    return herokuError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded.')
  }
  const form = new URLSearchParams(req.raw.toString('utf8'))
  const secret = form.get('client_secret') ?? basicCredentials(req.headers.authorization)?.pass
  const clients = secret === undefined ? new Set<ClientKind>() : clientsWithSecret(state, secret)
  if (clients.size === 0) return herokuError(401, 'unauthorized', 'Invalid OAuth client secret.')
  // identity defaults a missing grant_type to authorization_code (§6.1); an explicit other value is refused below.
  const grantType = form.get('grant_type') ?? 'authorization_code'
  if (grantType === 'authorization_code') {
    const code = form.get('code')
    if (!code) return herokuError(400, 'invalid_request', 'Missing grant code.')
    const client = state.tokens.codeClient(code)
    if (client !== undefined && !clients.has(client)) return herokuError(400, 'invalid_grant', 'The grant code is invalid: it was issued to another OAuth client.')
    const redeemed = state.tokens.redeemCode(code)
    if ('problem' in redeemed) return herokuError(400, 'invalid_grant', `The grant code is invalid: ${redeemed.problem}.`)
    return tokenReply(state, redeemed.principal, state.tokens.mint(redeemed.principal))
  }
  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token')
    const principal = refreshToken ? state.tokens.refreshPrincipal(refreshToken) : undefined
    if (!refreshToken || principal === undefined || !clients.has(principal.kind)) return herokuError(400, 'invalid_grant', 'The refresh token is invalid.')
    return tokenReply(state, principal, state.tokens.mint(principal, refreshToken))
  }
  return herokuError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.')
}

function clientsWithSecret (state: SimState, secret: string): Set<ClientKind> {
  const found = new Set<ClientKind>()
  if (sameSecret(secret, state.options.clientSecret)) found.add('partner')
  const client = state.oauthClient
  if (client && sameSecret(secret, client.secret ?? state.options.clientSecret)) found.add('user')
  return found
}

function tokenReply (state: SimState, principal: Principal, tokens: { accessToken: string, refreshToken: string }): SimReply {
  return ok({
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    expires_in: state.accessTtlSeconds,
    token_type: 'Bearer',
    // identity answers the token's user: the person, or for a partner token the add-on service's account.
    user_id: principal.kind === 'user' ? principal.userId : state.serviceActor.id,
    session_nonce: null
  })
}

function sameSecret (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
