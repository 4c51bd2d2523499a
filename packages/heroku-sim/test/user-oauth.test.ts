// A user's authorization of a third-party OAuth client (protocol §21.3): authorize → code →
// token, the scopes that may read and change a formation, refresh, revoking, and the
// authorize endpoint's refusals.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { CLIENT, SECRET, addonWithToken, bearer, form, rawRequest, startSim, userToken } from './helper.js'

async function setup (t: Test, extra = {}) {
  const sim = await startSim(t, { oauthClient: CLIENT, ...extra })
  const partner = await addonWithToken(sim)
  const addon = sim.addons.get(partner.uuid)!
  return { sim, partner, addon, formation: `${sim.apiUrl}/apps/${addon.app.name}/formation` }
}

t.test('authorize → 302 with code and state → token for the owner → PATCH with write', async (t) => {
  const { sim, addon, formation } = await setup(t)
  const q = new URLSearchParams({ client_id: CLIENT.id, response_type: 'code', scope: 'write', state: 'xyz 1' })
  const auth = await rawRequest(`${sim.idUrl}/oauth/authorize?${q}`)
  t.equal(auth.status, 302)
  const location = new URL(auth.headers.location!)
  t.equal(`${location.origin}${location.pathname}`, CLIENT.redirectUris[0], 'back to the client\'s first redirect URI')
  t.equal(location.searchParams.get('state'), 'xyz 1')
  const code = location.searchParams.get('code')!
  t.match(code, /^[0-9a-f-]{36}$/)
  const token = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code, client_secret: CLIENT.secret }))
  t.equal(token.status, 200)
  t.match(token.body, { access_token: String, refresh_token: String, expires_in: 28800, token_type: 'Bearer', user_id: addon.owner.id })
  const again = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code, client_secret: CLIENT.secret }))
  t.same([again.status, again.body.id], [400, 'invalid_grant'], 'a user code is single-use too')

  const res = await rawRequest(`${formation}/web`, { method: 'PATCH', headers: bearer(token.body.access_token), body: JSON.stringify({ quantity: 4 }) })
  t.same([res.status, res.body.quantity], [200, 4])
  t.match(sim.app(addon.app.id).formationHistory, [{ via: 'user', actor: { id: addon.owner.id, email: addon.owner.email }, quantity: 4 }])
  const [authorization] = [...sim.authorizations.values()]
  t.match(authorization, { client: { id: CLIENT.id, redirect_uri: CLIENT.redirectUris[0] }, scope: ['write'], user: { id: addon.owner.id, email: addon.owner.email } })
})

t.test('scopes: read, identity, write, write-protected, global', async (t) => {
  const { sim, formation } = await setup(t)
  const tryPatch = async (scope: string) => {
    const { accessToken } = await userToken(sim, { scope })
    const get = await rawRequest(formation, { headers: bearer(accessToken) })
    const patch = await rawRequest(`${formation}/worker`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify({ quantity: 1 }) })
    return { get: get.status, patch: patch.status, body: patch.body }
  }
  const read = await tryPatch('read')
  t.same([read.get, read.patch, read.body.id], [200, 403, 'forbidden'], 'read reads, cannot scale')
  t.match(read.body.message, /scope \(read\).*needs write or global/)
  const identity = await tryPatch('identity')
  t.same([identity.get, identity.patch], [403, 403], 'identity reads no apps')
  t.same((await tryPatch('read-protected')).patch, 403)
  t.same((await tryPatch('write-protected')).patch, 200)
  t.same((await tryPatch('global')).patch, 200)
  t.same((await tryPatch('identity,write')).patch, 200, 'comma-separated scopes')
  t.same([...sim.authorizations.values()].at(-1)!.scope, ['identity', 'write'], 'sorted and split as identity does')
})

t.test('a user who does not own the app gets 403; sim_user and signIn choose the approving user', async (t) => {
  const { sim, addon, formation } = await setup(t)
  const stranger = sim.signIn('stranger@example.com')
  t.not(stranger.id, addon.owner.id)
  t.equal(sim.users.get(stranger.id), stranger)
  const theirs = await userToken(sim, { scope: 'global' })
  t.equal(theirs.userId, stranger.id)
  const res = await rawRequest(formation, { headers: bearer(theirs.accessToken) })
  t.same([res.status, res.body.id], [403, 'forbidden'])
  t.match(res.body.message, /You do not have access to the app/)
  const owners = await userToken(sim, { scope: 'global', user: addon.owner.email })
  t.equal(owners.userId, addon.owner.id, 'sim_user names the user by email')
  t.equal((await rawRequest(formation, { headers: bearer(owners.accessToken) })).status, 200)
  t.equal(sim.signIn(addon.owner.id), addon.owner, 'signIn by id')
  t.throws(() => sim.signIn('not-an-email-or-id'), { code: 'SIM_UNKNOWN_USER' })
  const unknown = await rawRequest(`${sim.idUrl}/oauth/authorize?${new URLSearchParams({ client_id: CLIENT.id, response_type: 'code', scope: 'read', sim_user: 'nobody@example.com' })}`)
  t.same([unknown.status, unknown.body.id], [400, 'invalid_request'])
})

t.test('a user token reads its add-on but never touches config or actions; partner routes stay the provider\'s', async (t) => {
  const { sim, partner } = await setup(t)
  const { accessToken } = await userToken(sim, { scope: 'global' })
  t.equal((await rawRequest(`${sim.apiUrl}/addons/${partner.uuid}`, { headers: bearer(accessToken) })).status, 200)
  const config = await rawRequest(`${sim.apiUrl}/addons/${partner.uuid}/config`, { method: 'PATCH', headers: bearer(accessToken), body: JSON.stringify({ config: [] }) })
  t.same([config.status, config.body.id], [403, 'forbidden'])
  const hooks = await rawRequest(`${sim.apiUrl}/addons/${partner.uuid}/webhooks`, { headers: bearer(accessToken) })
  t.equal(hooks.status, 403)
})

t.test('refresh works as for partner tokens; the secret decides the client', async (t) => {
  const { sim, formation } = await setup(t)
  const first = await userToken(sim, { scope: 'write' })
  const refreshed = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: first.refreshToken, client_secret: CLIENT.secret }))
  t.equal(refreshed.status, 200)
  t.equal(refreshed.body.refresh_token, first.refreshToken)
  t.not(refreshed.body.access_token, first.accessToken)
  t.equal((await rawRequest(formation, { headers: bearer(refreshed.body.access_token) })).status, 200)
  const wrongClient = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: first.refreshToken, client_secret: SECRET }))
  t.same([wrongClient.status, wrongClient.body.id], [400, 'invalid_grant'], 'the add-on\'s secret cannot refresh a user token')
  const wrongSecret = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: first.refreshToken, client_secret: 'nope' }))
  t.equal(wrongSecret.status, 401)
  // A user code with the add-on's secret: invalid_grant, and the code is not used up.
  const auth = await rawRequest(`${sim.idUrl}/oauth/authorize?${new URLSearchParams({ client_id: CLIENT.id, response_type: 'code', scope: 'read' })}`)
  const code = new URL(auth.headers.location!).searchParams.get('code')!
  const mixed = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code, client_secret: SECRET }))
  t.same([mixed.status, mixed.body.id], [400, 'invalid_grant'])
  t.equal((await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code, client_secret: CLIENT.secret }))).status, 200)
})

t.test('the client secret defaults to the sim\'s clientSecret', async (t) => {
  const sim = await startSim(t, { oauthClient: { id: 'c', redirectUris: ['https://c.example/cb'] } })
  await addonWithToken(sim)
  const auth = await rawRequest(`${sim.idUrl}/oauth/authorize?${new URLSearchParams({ client_id: 'c', response_type: 'code', scope: 'read' })}`)
  const code = new URL(auth.headers.location!).searchParams.get('code')!
  const res = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code, client_secret: SECRET }))
  t.equal(res.status, 200)
  t.match(res.body.user_id, /^[0-9a-f-]{36}$/)
})

t.test('revoking: DELETE /oauth/authorizations/{id} ends the tokens at once', async (t) => {
  const { sim, partner, formation } = await setup(t)
  const user = await userToken(sim, { scope: 'write' })
  const other = await userToken(sim, { scope: 'global' })
  const [first, second] = [...sim.authorizations.keys()]
  const path = (id: string) => `${sim.apiUrl}/oauth/authorizations/${id}`
  const byPartner = await rawRequest(path(first!), { method: 'DELETE', headers: bearer(partner.accessToken) })
  t.same([byPartner.status, byPartner.body.id], [403, 'forbidden'])
  const otherOne = await rawRequest(path(second!), { method: 'DELETE', headers: bearer(user.accessToken) })
  t.same([otherOne.status, otherOne.body.id], [403, 'forbidden'], 'a write token may not revoke another authorization')
  const info = await rawRequest(path(first!), { headers: bearer(user.accessToken) })
  t.match([info.status, info.body], [200, { id: first, scope: ['write'], client: { id: CLIENT.id } }])
  const revoked = await rawRequest(path(first!), { method: 'DELETE', headers: bearer(user.accessToken) })
  t.match([revoked.status, revoked.body], [200, { id: first }])
  t.notOk(sim.authorizations.has(first!))
  const after = await rawRequest(formation, { headers: bearer(user.accessToken) })
  t.same([after.status, after.body.id], [401, 'unauthorized'], 'the access token is gone')
  const refresh = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: user.refreshToken, client_secret: CLIENT.secret }))
  t.same([refresh.status, refresh.body.id], [400, 'invalid_grant'], 'so is the refresh token')
  t.equal((await rawRequest(formation, { headers: bearer(other.accessToken) })).status, 200, 'the other authorization still works')
  const missing = await rawRequest(path(randomUUID()), { method: 'DELETE', headers: bearer(other.accessToken) })
  t.same([missing.status, missing.body.id], [404, 'not_found'])
  const globalRevokes = await rawRequest(path(second!), { method: 'DELETE', headers: bearer(other.accessToken) })
  t.equal(globalRevokes.status, 200)
  t.equal(sim.authorizations.size, 0)
})

t.test('authorize refuses what id.heroku.com refuses', async (t) => {
  const { sim } = await setup(t)
  const go = (params: Record<string, string>) => rawRequest(`${sim.idUrl}/oauth/authorize?${new URLSearchParams(params)}`)
  const base = { client_id: CLIENT.id, response_type: 'code', scope: 'read', state: 's' }
  const unknownClient = await go({ ...base, client_id: 'other' })
  t.same([unknownClient.status, unknownClient.body.id], [400, 'invalid_client'])
  t.equal(unknownClient.headers.location, undefined, 'no redirect for an unknown client')
  const badRedirect = await go({ ...base, redirect_uri: 'https://evil.example/cb' })
  t.same([badRedirect.status, badRedirect.body.id], [400, 'invalid_redirect_uri'])
  const second = await go({ ...base, redirect_uri: CLIENT.redirectUris[1]! })
  t.equal(second.status, 302)
  t.match(second.headers.location, /^http:\/\/127\.0\.0\.1:9\/cb\?code=/, 'a registered redirect_uri is used')
  const badScope = await go({ ...base, scope: 'read,admin' })
  t.same([badScope.status, badScope.body.id], [422, 'invalid_params'])
  const noScope = await go({ ...base, scope: '' })
  t.equal(noScope.status, 422)
  const token = await go({ ...base, response_type: 'token' })
  t.equal(token.status, 302)
  const loc = new URL(token.headers.location!)
  t.same([loc.searchParams.get('error'), loc.searchParams.get('state'), loc.searchParams.get('code')], ['unsupported_response_type', 's', null])
  const post = await rawRequest(`${sim.idUrl}/oauth/authorize?${new URLSearchParams(base)}`, { method: 'POST' })
  t.equal(post.status, 405)
  t.equal(sim.authorizations.size, 1, 'only the successful request authorized')

  const noClient = await startSim(t)
  await addonWithToken(noClient)
  t.equal((await rawRequest(`${noClient.idUrl}/oauth/authorize?${new URLSearchParams(base)}`)).status, 400, 'no client configured')
  noClient.setOAuthClient(CLIENT)
  t.equal(noClient.oauthClient, CLIENT)
  t.equal((await rawRequest(`${noClient.idUrl}/oauth/authorize?${new URLSearchParams(base)}`)).status, 302, 'setOAuthClient at run time')
  const empty = await startSim(t, { oauthClient: CLIENT })
  const nobody = await rawRequest(`${empty.idUrl}/oauth/authorize?${new URLSearchParams(base)}`)
  t.same([nobody.status, nobody.body.id], [400, 'invalid_request'], 'nobody to approve as before any add-on')
})

t.test('GET /oauth/authorizations lists the token user\'s authorizations, so a client finds its own', async (t) => {
  const { startHerokuSim } = await import('../src/index.js')
  const { SECRET, manifest, rawRequest, form } = await import('./helper.js')
  const sim = await startHerokuSim({ clientSecret: SECRET, manifest, oauthClient: { id: 'autoscaler-client', redirectUris: ['http://127.0.0.1/cb'] } })
  t.teardown(() => sim.close())
  const { randomUUID } = await import('node:crypto')
  const uuid = randomUUID()
  sim.registerAddon(uuid)
  const auth = await rawRequest(`${sim.idUrl}/oauth/authorize?client_id=autoscaler-client&response_type=code&scope=write&state=s1&redirect_uri=${encodeURIComponent('http://127.0.0.1/cb')}`)
  const code = new URL(String(auth.headers.location)).searchParams.get('code')!
  const tok = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code, client_secret: SECRET }))
  const list = await rawRequest(`${sim.apiUrl}/oauth/authorizations`, { headers: { Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${tok.body.access_token}` } })
  t.equal(list.status, 200)
  t.equal(list.body.length, 1)
  t.match(list.body[0], { client: { id: 'autoscaler-client' }, scope: ['write'] })
})
