// Spec §18 item 8 and the OAuth failure outcomes: the async path completes through the
// Platform API for Partners with the grant exchanged at once and tokens refreshed.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { enqueueOperation } from '@addonkit/lifecycle'
import { eventually } from '@addonkit/testkit'
import { startStack } from './helper.js'

t.test('async provisioning through the Platform API', async (t) => {
  // A zero budget forces every provision onto the async path.
  const s = await startStack(t, { env: { SYNC_BUDGET_MS: '0' } })

  t.test('8. 202, grant exchanged before it expires, config pushed, then actions/provision', async (t) => {
    const r = await s.heroku.provision()
    t.equal(r.status, 202)
    t.equal(r.body.id, r.uuid)
    t.notOk(r.body.config, 'no config in a 202')
    const addon = await s.heroku.waitForState(r.uuid, 'provisioned')
    t.ok(addon.config.ADDONKIT_URL, 'config var pushed')
    const calls = s.sim.calls.filter((c) => c.path.includes(r.uuid) || c.path.endsWith('/oauth/token'))
    const exchange = s.sim.calls.find((c) => c.path.endsWith('/oauth/token') && JSON.stringify(c.body).includes((r.request.body as any).oauth_grant.code))
    t.ok(exchange, 'grant exchanged')
    t.ok(exchange!.at.getTime() < Date.parse((r.request.body as any).oauth_grant.expires_at), 'before expires_at')
    const patch = calls.find((c) => c.method === 'PATCH' && c.path === `/addons/${r.uuid}/config` || (c.method === 'PATCH' && c.path.endsWith(`/addons/${r.uuid}/config`)))
    t.ok(patch, 'PATCH config')
    t.match(patch!.body, { config: [{ name: 'ADDONKIT_URL', value: String }] })
    const done = calls.find((c) => c.method === 'POST' && c.path.endsWith(`/addons/${r.uuid}/actions/provision`))
    t.ok(done, 'actions/provision')
    t.match(done!.headers.authorization, /^Bearer \S+$/)
    t.equal(done!.headers.accept, 'application/vnd.heroku+json; version=3')
    t.ok(patch!.at <= done!.at, 'config before provision')
    const inst = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
    t.equal(inst.state, 'provisioned')
    await eventually(() => s.sim.addons.get(r.uuid)!.logLines.some((l) => /Addonkit Logs is provisioned on the hobby plan/.test(l)))
    t.pass('the add-on event is written into the app\'s log stream')
    const replay = await s.heroku.replay(r.request)
    t.equal(replay.status, 202, 'a retry replays the 202')
    t.same(replay.body, r.body)
  })

  t.test('an expired grant on the async path → failed state with the reason (the config cannot be pushed)', async (t) => {
    const r = await s.heroku.provision({ grant: 'expired' })
    t.equal(r.status, 202)
    const inst = await eventually(async () => {
      const i = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
      return i.state === 'failed' && i
    })
    t.match(inst.failureReason, /no Platform API token.*no usable OAuth grant/)
    const lost = await s.db.prisma.auditEvent.findMany({ where: { instanceUuid: r.uuid, event: 'grant_exchanged' } })
    t.match(lost, [{ outcome: 'failed', detail: { result: 'lost', reason: /Heroku refused the OAuth grant/ } }], 'the refused grant is recorded as lost')
    const trail = await s.db.prisma.auditEvent.findMany({ where: { instanceUuid: r.uuid } })
    t.ok(trail.some((e) => e.event === 'provision' && e.outcome === 'failed'), 'the failure is in the audit log')
    const op = await s.db.prisma.operation.findFirstOrThrow({ where: { instanceUuid: r.uuid, kind: 'provision' } })
    t.equal(op.status, 'failed')
    t.equal(op.attempts, 1, 'a 4xx from Heroku is not retried')
  })

  t.test('an expired access token is refreshed and the push succeeds', async (t) => {
    const r = await s.heroku.provision()
    await s.heroku.waitForState(r.uuid, 'provisioned')
    s.sim.expireAccessTokens()
    // Rotation pushes config again with the now-expired token.
    const op = await enqueueOperation(s.db.pool, r.uuid, 'rotate_credentials')
    s.allocator!.runner.kick(op.id)
    const done = await eventually(async () => {
      const o = await s.db.prisma.operation.findUniqueOrThrow({ where: { id: op.id } })
      return o.status !== 'pending' && o.status !== 'running' && o
    })
    t.equal(done.status, 'succeeded', done.lastError ?? '')
    const refreshes = s.sim.calls.filter((c) => c.path.endsWith('/oauth/token') && JSON.stringify(c.body).includes('refresh_token'))
    t.ok(refreshes.length >= 1, 'refresh_token grant used')
  })
})

t.test('a wrong client secret → failed state with the reason', async (t) => {
  const s = await startStack(t, { env: { SYNC_BUDGET_MS: '0', HEROKU_CLIENT_SECRET: 'definitely-not-the-secret' }, simClientSecret: 'the-real-client-secret' })
  const r = await s.heroku.provision()
  const inst = await eventually(async () => {
    const i = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
    return i.state === 'failed' && i
  })
  t.match(inst.failureReason, /Heroku refused the OAuth grant/)
})

t.test('transient Platform API errors are retried with backoff until they pass', async (t) => {
  const s = await startStack(t, { env: { SYNC_BUDGET_MS: '0' } })
  s.sim.failNext(/\/config$/, 7, 503)
  const r = await s.heroku.provision()
  await s.heroku.waitForState(r.uuid, 'provisioned', 30_000)
  const trail = await s.db.prisma.auditEvent.findMany({ where: { instanceUuid: r.uuid }, orderBy: { at: 'asc' } })
  t.ok(trail.some((e) => e.event === 'config_pushed'))
})

// Protocol §4.5 lists what refuses a provision (plan, region, quota, options); a grant is not
// among them, and §18 item 2 expects any valid body to get 200 or 202.
t.test('a grant Heroku refuses does not fail a synchronous provision', async (t) => {
  const s = await startStack(t)

  t.test('an expired grant: 200 with config, the grant recorded as lost', async (t) => {
    const r = await s.heroku.provision({ grant: 'expired' })
    t.equal(r.status, 200, JSON.stringify(r.body))
    t.match(r.body.config, { ADDONKIT_URL: /^https?:\/\// })
    const inst = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
    t.equal(inst.state, 'provisioned')
    const lost = await s.db.prisma.auditEvent.findMany({ where: { instanceUuid: r.uuid, event: 'grant_exchanged' } })
    t.match(lost, [{ outcome: 'failed', detail: { result: 'lost', reason: /Heroku refused the OAuth grant.*expired/ } }])
    const tokens = await s.db.prisma.oAuthToken.findUniqueOrThrow({ where: { instanceUuid: r.uuid } })
    t.equal(tokens.accessTokenEnc, null, 'no token was stored')
    const replay = await s.heroku.replay(r.request)
    t.same([replay.status, replay.body], [r.status, r.body], 'a retry gets the same answer')
  })

  t.test('a wrong client secret still fails it', async (t) => {
    // The refusal is our configuration's, not the grant's: provisioning on would hide it.
    const bad = await startStack(t, { env: { HEROKU_CLIENT_SECRET: 'definitely-not-the-secret' }, simClientSecret: 'the-real-client-secret' })
    const r = await bad.heroku.provision()
    t.equal(r.status, 422, JSON.stringify(r.body))
    t.match(r.body.message, /Heroku refused the OAuth grant/)
  })

  t.test('the protocol reference §4.1 example body (a grant code Heroku never issued, undeclared options): 200', async (t) => {
    const uuid = randomUUID()
    const body = {
      uuid,
      name: 'acme-metrics-shaped-12345',
      plan: 'hobby',
      region: 'amazon-web-services::us-east-1',
      callback_url: `https://api.heroku.com/addons/${uuid}`,
      oauth_grant: { code: '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d', expires_at: '2025-03-03T18:01:31-0800', type: 'authorization_code' },
      options: { retention: '30', fast: 'true' },
      log_drain_token: `d.${randomUUID()}`,
      an_unknown_field: true
    }
    const res = await s.heroku.send(s.heroku.request('POST', undefined, body))
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.equal(res.body.id, uuid)
    t.match(res.body, { config: { ADDONKIT_URL: String }, log_drain_url: /^https?:\/\// })
    const requested = await s.db.prisma.auditEvent.findFirstOrThrow({ where: { instanceUuid: uuid, event: 'provision_requested' } })
    t.match(requested.detail, { options: [], ignored_options: ['retention', 'fast'] }, 'the ignored options are on record')
  })
})
