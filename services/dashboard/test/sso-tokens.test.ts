import t from 'tap'
import { resourceToken, userScopedResourceToken, legacyToken, verifySso } from '../src/sso/tokens.js'
import { replayKeys } from '../src/sso/sso-params.js'

// A fresh request 10 s old, as Heroku would sign it.
const salt = '7CwqmJLEjv8YZTXK'
const rid = '01234567-89ab-cdef-0123-456789abcdef'
const now = 1_800_000_000
const ts = String(now - 10)
const user = { user_id: 'fedcba98-7654-3210-fedc-ba9876543210', email: 'user@example.com' }

t.test('protocol §10.4 test vectors', async (t) => {
  t.equal(legacyToken('123', '2f97bfa52ca102f8874716e2eb1d3b4920ad0be4', '1267597772'), 'bb466eb1d6bc345d11072c3cd25c311f21be130d')
  t.equal(legacyToken('1', 'SSO_SALT', '1262304000'), 'b6010f6fbb850887a396c2bc0ab23974003008f6')
  t.equal(resourceToken('01234567-89ab-cdef-0123-456789abcdef', '7CwqmJLEjv8YZTXK', '1267597772'), 'fcafa20c7ac7675276ea92ed04bc929674b711a5')
  t.equal(userScopedResourceToken('01234567-89ab-cdef-0123-456789abcdef', '7CwqmJLEjv8YZTXK', '1267597772', 'fedcba98-7654-3210-fedc-ba9876543210', 'user@example.com'), '286fdd23ff5fd473f16b18658595fdaf5041926c8aeca2c645a2507128060040')
})

t.test('verification: token kinds, freshness window, forgeries', async (t) => {
  t.match(verifySso({ resource_id: rid, timestamp: ts, ...user, user_scoped_resource_token: userScopedResourceToken(rid, salt, ts, user.user_id, user.email) }, salt, now), { ok: true, method: 'user_scoped_resource_token', userId: user.user_id })
  t.match(verifySso({ resource_id: rid, timestamp: ts, resource_token: resourceToken(rid, salt, ts) }, salt, now), { ok: true, method: 'resource_token' })
  t.match(verifySso({ id: rid, timestamp: ts, token: legacyToken(rid, salt, ts) }, salt, now), { ok: true, method: 'token' })
  // A wrong user-scoped token falls back to a valid resource token.
  t.match(verifySso({ resource_id: rid, timestamp: ts, ...user, user_scoped_resource_token: 'f'.repeat(64), resource_token: resourceToken(rid, salt, ts) }, salt, now), { ok: true, method: 'resource_token' })
  t.match(verifySso({ resource_id: rid, timestamp: ts, resource_token: resourceToken(rid, 'other-salt', ts) }, salt, now), { ok: false, reason: 'bad-token' })
  t.match(verifySso({ resource_id: rid, timestamp: ts, ...user, user_scoped_resource_token: userScopedResourceToken(rid, salt, ts, user.user_id, 'evil@example.com') }, salt, now), { ok: false, reason: 'bad-token' })
  const stale = String(now - 301)
  t.match(verifySso({ resource_id: rid, timestamp: stale, resource_token: resourceToken(rid, salt, stale) }, salt, now), { ok: false, reason: 'stale' })
  const sixMinutes = String(now - 360)
  t.match(verifySso({ resource_id: rid, timestamp: sixMinutes, resource_token: resourceToken(rid, salt, sixMinutes) }, salt, now), { ok: false, reason: 'stale' })
  const future = String(now + 61)
  t.match(verifySso({ resource_id: rid, timestamp: future, resource_token: resourceToken(rid, salt, future) }, salt, now), { ok: false, reason: 'future' })
  t.match(verifySso({ resource_id: rid, timestamp: String(now + 59), resource_token: resourceToken(rid, salt, String(now + 59)) }, salt, now), { ok: true })
  t.match(verifySso({ resource_id: rid, timestamp: '1e9', resource_token: 'x' }, salt, now), { ok: false, reason: 'bad-timestamp' })
  t.match(verifySso({ resource_id: rid, timestamp: ts }, salt, now), { ok: false, reason: 'missing' })
})

t.test('replay keys come from the verdict: a user-scoped sign-in also claims the resource key of the resource_token it carried', async (t) => {
  const keysOf = (p: Parameters<typeof verifySso>[0]) => {
    const v = verifySso(p, salt, now)
    if (!v.ok) throw new Error(`not verified: ${v.reason}`)
    return replayKeys(v)
  }
  t.same(keysOf({ resource_id: rid, timestamp: ts, ...user, user_scoped_resource_token: userScopedResourceToken(rid, salt, ts, user.user_id, user.email).toUpperCase(), resource_token: resourceToken(rid, salt, ts) }),
    { required: [`user:${rid}:${ts}:${user.user_id}:${user.email}`], shadow: [`resource:${rid}:${ts}`] })
  t.same(keysOf({ resource_id: rid, timestamp: ts, ...user, user_scoped_resource_token: 'f'.repeat(64), resource_token: resourceToken(rid, salt, ts) }),
    { required: [`resource:${rid}:${ts}`], shadow: [] }, 'a forged user-scoped token falls back to the resource key')
  t.same(keysOf({ id: rid, timestamp: ts, token: legacyToken(rid, salt, ts) }), { required: [`resource:${rid}:${ts}`], shadow: [] })
})

t.test('the legacy token is signed over id; resource_id only stands in when there is no id', async (t) => {
  const upper = rid.toUpperCase()
  t.match(verifySso({ id: rid, resource_id: upper, timestamp: ts, token: legacyToken(rid, salt, ts) }, salt, now), { ok: true, method: 'token', resourceId: rid })
  t.match(verifySso({ id: upper, resource_id: rid, timestamp: ts, token: legacyToken(rid, salt, ts) }, salt, now), { ok: false, reason: 'bad-token' }, 'not over resource_id when id is posted')
  t.match(verifySso({ resource_id: rid, timestamp: ts, token: legacyToken(rid, salt, ts) }, salt, now), { ok: true, method: 'token', resourceId: rid }, 'no id: over resource_id')
  // The v1 GET: the id from the path, the token over it.
  t.match(verifySso({ id: '123', timestamp: '1267597772', token: 'bb466eb1d6bc345d11072c3cd25c311f21be130d' }, '2f97bfa52ca102f8874716e2eb1d3b4920ad0be4', 1267597772), { ok: true, method: 'token', resourceId: '123' }, 'Heroku\'s v1 example')
})

t.test('shadow keys only for the other valid tokens the form carried', async (t) => {
  const keysOf = (p: Parameters<typeof verifySso>[0]) => {
    const v = verifySso(p, salt, now)
    if (!v.ok) throw new Error(`not verified: ${v.reason}`)
    return replayKeys(v)
  }
  const userKey = `user:${rid}:${ts}:${user.user_id}:${user.email}`
  const userScoped = { resource_id: rid, timestamp: ts, ...user, user_scoped_resource_token: userScopedResourceToken(rid, salt, ts, user.user_id, user.email) }
  t.same(keysOf(userScoped), { required: [userKey], shadow: [] }, 'a user-scoped token alone: no resource-level key')
  t.same(keysOf({ ...userScoped, resource_token: 'f'.repeat(40) }), { required: [userKey], shadow: [] }, 'an invalid resource_token beside it: none either')
  t.same(keysOf({ ...userScoped, id: rid, token: legacyToken(rid, salt, ts) }), { required: [userKey], shadow: [`resource:${rid}:${ts}`] }, 'a valid legacy token beside it: its key')
  t.same(keysOf({ ...userScoped, resource_token: resourceToken(rid, salt, ts), id: rid, token: legacyToken(rid, salt, ts) }), { required: [userKey], shadow: [`resource:${rid}:${ts}`] }, 'both: the one key they share')
  t.same(keysOf({ resource_id: rid, timestamp: ts, resource_token: resourceToken(rid, salt, ts), id: rid, token: legacyToken(rid, salt, ts) }), { required: [`resource:${rid}:${ts}`], shadow: [] }, 'resource and legacy token over the same add-on: one key')
  const upper = rid.toUpperCase()
  t.same(keysOf({ resource_id: upper, timestamp: ts, resource_token: resourceToken(upper, salt, ts), id: rid, token: legacyToken(rid, salt, ts) }), { required: [`resource:${rid}:${ts}`], shadow: [] }, 'the add-on id is lowercased in keys')
  const other = 'aaaaaaaa-89ab-cdef-0123-456789abcdef'
  t.same(keysOf({ resource_id: rid, timestamp: ts, resource_token: resourceToken(rid, salt, ts), id: other, token: legacyToken(other, salt, ts) }), { required: [`resource:${rid}:${ts}`], shadow: [`resource:${other}:${ts}`] })
})
