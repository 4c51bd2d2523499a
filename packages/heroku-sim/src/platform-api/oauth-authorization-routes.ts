// A user's OAuth authorization on the Platform API (schema oauth-authorization):
// GET /oauth/authorizations (the token's user's, any scope: a client finds its own by
// client id), GET|DELETE /oauth/authorizations/{id}. DELETE revokes it: its access and refresh tokens
// stop working at once, e.g. when a deprovisioned add-on gives back the access its owner
// granted (protocol §21.3). Which tokens may do this is [UNCONFIRMED]: the sim lets a token act
// on its own authorization whatever its scope, and a `global` token on any of the same
// user's; another user's authorization is 404, and partner tokens get 403.
import { type SimReply, herokuError, ok } from '../sim-http.js'
import type { SimAuthorization } from '../types.js'
import type { ApiCall } from './api-call.js'

export function handleOAuthAuthorizationRoute (call: ApiCall, id: string, path: string): SimReply {
  const { state, req, principal } = call
  if (principal.kind !== 'user') return herokuError(403, 'forbidden', 'An add-on\'s partner authorization cannot manage OAuth authorizations.')
  const authorization = state.tokens.authorizations.get(id)
  if (!authorization || authorization.user.id !== principal.userId) return herokuError(404, 'not_found', `Couldn't find that OAuth authorization: ${id}.`)
  if (principal.authorizationId !== id && !principal.scopes.includes('global')) {
    return herokuError(403, 'forbidden', 'Only the authorization itself or a global-scope token may manage it.')
  }
  if (req.method === 'GET') return ok(authorizationView(authorization))
  if (req.method === 'DELETE') return ok(authorizationView(state.tokens.revoke(id)!))
  return herokuError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}.`)
}

export function handleOAuthAuthorizationList (call: ApiCall, path: string): SimReply {
  const { state, req, principal } = call
  if (req.method !== 'GET') return herokuError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}.`)
  if (principal.kind !== 'user') return herokuError(403, 'forbidden', 'An add-on\'s partner authorization cannot list OAuth authorizations.')
  return ok([...state.tokens.authorizations.values()].filter((a) => a.user.id === principal.userId).map(authorizationView))
}

/** The schema's shape, without the token values (the sim does not show them again). */
function authorizationView (a: SimAuthorization): Record<string, unknown> {
  return { id: a.id, client: { ...a.client }, scope: [...a.scope], user: { ...a.user }, access_token: null, refresh_token: null, grant: null, created_at: a.created_at, updated_at: a.updated_at }
}
