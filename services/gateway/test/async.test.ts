// Spec §18 item 8 and the OAuth failure outcomes: the async path completes through the
// Platform API for Partners with the grant exchanged at once and tokens refreshed.
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

  t.test('an expired grant → failed state with the reason', async (t) => {
    const r = await s.heroku.provision({ grant: 'expired' })
    t.equal(r.status, 202)
    const inst = await eventually(async () => {
      const i = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
      return i.state === 'failed' && i
    })
    t.match(inst.failureReason, /OAuth grant/)
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
