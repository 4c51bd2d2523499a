// GET {idUrl}/oauth/authorize as id.heroku.com answers it (protocol §21.3, heroku/identity
// auth.rb): `client_id`, `response_type=code`, `scope` (split on commas and spaces) and
// `state`. In a browser Heroku would have the user sign in and approve; the sim approves at
// once, as the user named by the sim-only `sim_user` parameter (id or email), else the one
// signed in with HerokuSim.signIn, else the owner of the most recently registered add-on,
// and answers 302 to the client's redirect URI with `code` and `state`.
//
// Heroku redirects to the client's registered URI and ignores a `redirect_uri` parameter;
// the sim accepts one only if it is registered (400 otherwise), a check stricter than
// Heroku's so a client that sends the wrong one finds out. An unknown client is 400 and an
// unknown scope 422, shown on Heroku's own page rather than redirected (identity shows both
// as an error at /login); a `response_type` other than `code` is redirected back with
// `error=unsupported_response_type` (RFC 6749 §4.1.2.1).
import { randomUUID } from 'node:crypto'
import { type SimReply, type SimRequest, herokuError } from '../sim-http.js'
import type { SimState } from '../model/sim-state.js'
import { parseScopes } from '../model/oauth-scopes.js'
import type { SimAuthorization } from '../types.js'

export function handleOAuthAuthorize (state: SimState, req: SimRequest, query: URLSearchParams): SimReply {
  if (req.method !== 'GET') return herokuError(405, 'method_not_allowed', 'Use GET.')
  const client = state.oauthClient
  const clientId = query.get('client_id')
  if (!client || clientId !== client.id) return herokuError(400, 'invalid_client', `Unknown OAuth client: ${JSON.stringify(clientId)}.`)
  const asked = query.get('redirect_uri')
  if (asked !== null && !client.redirectUris.includes(asked)) return herokuError(400, 'invalid_redirect_uri', `redirect_uri ${asked} is not registered for this client.`)
  const redirectUri = asked ?? client.redirectUris[0]
  if (redirectUri === undefined) return herokuError(400, 'invalid_redirect_uri', 'The OAuth client has no redirect URI.')
  const stateParam = query.get('state')
  if (query.get('response_type') !== 'code') return redirect(redirectUri, { error: 'unsupported_response_type', state: stateParam })
  const scopes = parseScopes(query.get('scope') ?? '')
  if (!scopes) return herokuError(422, 'invalid_params', `Invalid scope ${JSON.stringify(query.get('scope'))}: use global, identity, read, write, read-protected or write-protected.`)
  const named = query.get('sim_user')
  const user = named !== null ? state.findUser(named) : state.approvingUser()
  if (!user) return herokuError(400, 'invalid_request', named !== null ? `No user ${named} in the simulator.` : 'Nobody is signed in to the simulator (register an add-on or call signIn).')

  const now = new Date().toISOString()
  const authorization: SimAuthorization = {
    id: randomUUID(),
    client: { id: client.id, name: client.name ?? 'heroku-sim OAuth client', redirect_uri: redirectUri },
    scope: scopes,
    user: { id: user.id, email: user.email, full_name: null },
    created_at: now,
    updated_at: now
  }
  return redirect(redirectUri, { code: state.tokens.issueUserCode(authorization), state: stateParam })
}

function redirect (uri: string, params: Record<string, string | null>): SimReply {
  const location = new URL(uri)
  for (const [k, v] of Object.entries(params)) if (v !== null) location.searchParams.set(k, v)
  return { status: 302, text: '', headers: { Location: location.href, 'Cache-Control': 'no-store' } }
}
