// The allocator's autoscaler against Heroku's refusals, in real time, with router metrics
// written straight into router_windows (the log-drain's part is tested elsewhere): a 429
// stops every call until GET /account/rate-limits says the limit recovered; Heroku's 422 is
// shown once and not tried again; a 403 on the add-on's own token asks for a connected
// account, which then scales; an allocator SIGKILLed while its PATCH is in flight doubles
// no step.
import t from 'tap'
import { WINDOW_MS, emptyWindow, record } from '@addonkit/autoscale'
import { createPlatformClient } from '@addonkit/platform-api'
import { KeyRing, contexts } from '@addonkit/secrets'
import { eventually } from '@addonkit/testkit'
import { addRouterWindows, tenantIdOf } from '@addonkit/log-store'
import { startStack, type Stack } from './helper.js'

const POLICY = { enabled: true, min: 1, max: 4, upscale_above: 400, downscale_below: 50, breach_s: 10, upscale_cooldown_s: 1, downscale_delay_s: 3600, manual_pause_s: 0 }

/** Slow requests in the windows of the last `seconds`, up to now (the one still filling included). */
async function breach (s: Stack, uuid: string, seconds = 30): Promise<void> {
  const tenant = (await tenantIdOf(s.db.pool, uuid))!
  const end = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS
  const windows = []
  for (let start = end - seconds * 1000; start <= end; start += WINDOW_MS) {
    const w = emptyWindow(tenant, 'web', start)
    w.requests = 50
    w.statuses['2xx'] = 50
    record(w.service, 900, 50)
    windows.push(w)
  }
  await addRouterWindows(s.db.pool, windows)
}

async function setPolicy (s: Stack, uuid: string, o: Record<string, unknown> = {}): Promise<void> {
  await s.db.prisma.autoscalePolicy.create({ data: { instanceUuid: uuid, processType: 'web', policy: { ...POLICY, ...o } } })
}

const appCalls = (s: Stack, appId: string, method?: string) => s.sim.calls.filter((c) => c.path.startsWith(`/api/apps/${appId}/formation`) && (method === undefined || c.method === method))
const web = (s: Stack, appId: string) => s.sim.app(appId)!.formation.find((f) => f.type === 'web')!.quantity

async function provisioned (s: Stack) {
  const p = await s.heroku.provision({ plan: 'hobby' })
  // 200 when the allocator answers in time, 202 and the asynchronous completion when it is
  // slow (a freshly spawned allocator on a loaded machine): both end provisioned.
  if (p.status !== 200 && p.status !== 202) throw new Error(`provision: ${p.status}`)
  await eventually(async () => (await s.db.prisma.instance.findUnique({ where: { uuid: p.uuid } }))?.state === 'provisioned')
  return { uuid: p.uuid, appId: s.sim.addons.get(p.uuid)!.app.id }
}

t.test('a 429 stops every call until the limit recovers', async (t) => {
  const s = await startStack(t, { env: { AUTOSCALE_TICK_MS: '200' } })
  const { uuid, appId } = await provisioned(s)
  s.sim.setRateLimitRemaining({ addon: uuid }, 0)
  await setPolicy(s, uuid)
  await breach(s, uuid)
  const limited = await eventually(async () => s.db.prisma.autoscaleApp.findFirst({ where: { instanceUuid: uuid, rateLimitedUntil: { not: null } } }))
  t.ok(limited.rateLimitedUntil!.getTime() > Date.now(), 'blocked until a time to come')
  const before = s.sim.calls.filter((c) => c.path.startsWith('/api/') && !c.path.endsWith('/account/rate-limits')).length
  await new Promise((resolve) => setTimeout(resolve, 2000))
  t.equal(s.sim.calls.filter((c) => c.path.startsWith('/api/') && !c.path.endsWith('/account/rate-limits')).length, before, 'not one call that counts in 2 s of ticks every 200 ms')
  t.equal(web(s, appId), 1)
  const state = await s.db.prisma.autoscaleState.findUniqueOrThrow({ where: { instanceUuid_processType: { instanceUuid: uuid, processType: 'web' } } })
  t.match(state.lastDecision, { outcome: 'rate_limited' })
  // The limit recovers: the free probe sees it, and the change is made.
  s.sim.setRateLimitRemaining({ addon: uuid }, 4500)
  await eventually(() => web(s, appId) === 2, 15_000)
  t.pass('scaled once the limit recovered')
  t.ok(s.sim.calls.some((c) => c.path === '/api/account/rate-limits'), 'asked through the free GET /account/rate-limits')
})

t.test('Heroku\'s 422 is shown once, with its message, and not tried again', async (t) => {
  const s = await startStack(t, { env: { AUTOSCALE_TICK_MS: '200' } })
  const { uuid, appId } = await provisioned(s)
  // An eco dyno type cannot have more than one dyno: Heroku refuses 2 with 422.
  s.sim.scaleByHand(appId, [{ type: 'web', size: 'eco' }, { type: 'worker', size: 'eco' }])
  await setPolicy(s, uuid)
  await breach(s, uuid)
  const failed = await eventually(async () => s.db.prisma.autoscaleDecision.findFirst({ where: { instanceUuid: uuid, outcome: 'failed' } }))
  t.match(failed, { action: 'scale', fromQuantity: 1, toQuantity: 2 })
  t.ok(failed.error && failed.error.length > 10, `Heroku's message is kept: ${failed.error}`)
  const patches = appCalls(s, appId, 'PATCH').length
  await breach(s, uuid)
  await new Promise((resolve) => setTimeout(resolve, 2000))
  t.equal(appCalls(s, appId, 'PATCH').length, patches, 'no second PATCH for the same change')
  t.equal(await s.db.prisma.autoscaleDecision.count({ where: { instanceUuid: uuid, outcome: 'failed' } }), 1, 'one failed decision in the history')
  const state = await s.db.prisma.autoscaleState.findUniqueOrThrow({ where: { instanceUuid_processType: { instanceUuid: uuid, processType: 'web' } } })
  t.match(state.lastDecision, { action: 'hold', reason: /not tried again: Heroku refused it/ })
  t.equal((await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid } })).failureReason, null, 'the add-on itself is not marked failed')
})

t.test('a 403 on the add-on\'s token asks for a connected account, whose token then scales', async (t) => {
  const oauthSecret = 'oauth-client-secret-1234'
  const s = await startStack(t, { env: { AUTOSCALE_TICK_MS: '200', HEROKU_OAUTH_ID: 'autoscale-client', HEROKU_OAUTH_SECRET: oauthSecret } })
  s.sim.setOAuthClient({ id: 'autoscale-client', redirectUris: ['https://dash.example.com/dashboard/oauth/callback'], secret: oauthSecret })
  s.sim.setPartnerScaling('forbidden')
  const { uuid, appId } = await provisioned(s)
  await setPolicy(s, uuid)
  await breach(s, uuid)
  const refused = await eventually(async () => s.db.prisma.autoscaleDecision.findFirst({ where: { instanceUuid: uuid, outcome: 'needs_authorization' } }))
  t.match(refused.error, /connect a Heroku account/)
  t.equal((await s.db.prisma.autoscaleApp.findUniqueOrThrow({ where: { instanceUuid: uuid } })).authorization, 'needs_user')
  t.equal(web(s, appId), 1)

  // What the dashboard's Connect does: the authorization code flow, the tokens stored sealed.
  s.sim.signIn(s.sim.addons.get(uuid)!.owner.id)
  const authorize = await fetch(`${s.sim.idUrl}/oauth/authorize?client_id=autoscale-client&response_type=code&scope=write&state=x&redirect_uri=${encodeURIComponent('https://dash.example.com/dashboard/oauth/callback')}`, { redirect: 'manual' })
  const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!
  const tokens = await createPlatformClient({ apiUrl: s.sim.apiUrl, idUrl: s.sim.idUrl, clientSecret: oauthSecret }).exchangeGrant(code)
  const ring = new KeyRing((await import('@addonkit/config')).loadConfig(s.env, ['encryptionKeys']).encryptionKeys)
  await s.db.prisma.userOAuthToken.create({ data: { instanceUuid: uuid, scope: 'write', accessTokenEnc: ring.seal(tokens.accessToken, contexts.oauth(uuid, 'user-access')), refreshTokenEnc: ring.seal(tokens.refreshToken, contexts.oauth(uuid, 'user-refresh')), expiresAt: tokens.expiresAt } })
  await s.db.prisma.autoscalePolicy.update({ where: { instanceUuid_processType: { instanceUuid: uuid, processType: 'web' } }, data: { policy: { ...POLICY, upscale_cooldown_s: 2 } } })
  await breach(s, uuid)
  await eventually(() => web(s, appId) === 2, 15_000)
  t.match(s.sim.app(appId)!.formationHistory.at(-1), { via: 'user', quantity: 2 }, 'made with the connected user\'s token')
  t.equal((await s.db.prisma.autoscaleApp.findUniqueOrThrow({ where: { instanceUuid: uuid } })).authorization, 'user')

  // Deprovisioning revokes the user's authorization at Heroku.
  t.equal((await s.heroku.deprovision(uuid)).status, 204)
  await eventually(async () => (await s.db.prisma.userOAuthToken.count({ where: { instanceUuid: uuid } })) === 0)
  t.equal(s.sim.authorizations.size, 0, 'revoked')
})

t.test('a token Heroku no longer honours is shown, and not refreshed again every round', async (t) => {
  const s = await startStack(t, { env: { AUTOSCALE_TICK_MS: '200' } })
  const { uuid, appId } = await provisioned(s)
  await setPolicy(s, uuid)
  await eventually(async () => (await s.db.prisma.autoscaleState.findFirst({ where: { instanceUuid: uuid, processType: 'web' } }))?.formationAt != null)
  // A Heroku with no record of the add-on's grant (npm start's simulator after a restart).
  s.sim.forgetAddonTokens(uuid)
  await breach(s, uuid)
  const held = await eventually(async () => s.db.prisma.autoscaleDecision.findFirst({ where: { instanceUuid: uuid, outcome: 'failed' } }))
  t.match(held, { action: 'hold', fromQuantity: 1 })
  t.match(held.reason, /Heroku refused to refresh the access token.*invalid_grant.*asking again at/)
  const refreshes = () => s.sim.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/oauth/token')).length
  const before = refreshes()
  await breach(s, uuid)
  await new Promise((resolve) => setTimeout(resolve, 2000))
  t.equal(refreshes(), before, 'no refresh attempt in 2 s of ticks every 200 ms')
  t.equal(web(s, appId), 1)
  t.equal((await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid } })).failureReason, null, 'the add-on itself is not marked failed')
})

t.test('an allocator SIGKILLed while its PATCH is in flight doubles no step', async (t) => {
  const s = await startStack(t, { allocator: 'none', env: { AUTOSCALE_TICK_MS: '200' } })
  const first = await s.spawnAllocator()
  const { uuid, appId } = await provisioned(s)
  await setPolicy(s, uuid, { max: 2 })
  const held = s.sim.hold(new RegExp(`^/api/apps/${appId}/formation/web$`))
  await breach(s, uuid)
  await held.arrived
  first.kill('SIGKILL')
  await new Promise((resolve) => first.once('exit', resolve))
  // Heroku finishes the request its client no longer waits for: the change is made once.
  held.release()
  await eventually(() => web(s, appId) === 2)
  await s.spawnAllocator()
  const op = await eventually(async () => s.db.prisma.operation.findFirst({ where: { instanceUuid: uuid, kind: 'scale', status: 'succeeded' } }), 20_000)
  t.match(op.result, { quantity: 2, resumed: true }, 'the resumed run found the change made and did not make it again')
  t.equal(s.sim.app(appId)!.formationHistory.filter((h) => h.type === 'web').length, 1, 'one change at Heroku')
  t.equal(appCalls(s, appId, 'PATCH').length, 1, 'one PATCH')
  await eventually(async () => (await s.db.prisma.autoscaleDecision.findFirst({ where: { instanceUuid: uuid, operationId: op.id } }))?.outcome === 'done')
})

t.test('two allocator replicas deciding for the same app enqueue one scale, not two', async (t) => {
  // Both tick every 100 ms (the shortest allowed): without the add-on's advisory lock each
  // could see no scale in flight and enqueue one.
  const s = await startStack(t, { env: { AUTOSCALE_TICK_MS: '100' } })
  await s.startAllocator()
  const { uuid, appId } = await provisioned(s)
  await setPolicy(s, uuid, { max: 2 })
  await breach(s, uuid)
  await eventually(() => web(s, appId) === 2, 15_000)
  // Let both replicas go on deciding for a while after the change.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const scales = await s.db.prisma.operation.findMany({ where: { instanceUuid: uuid, kind: 'scale' } })
  t.equal(scales.length, 1, 'one scale operation')
  t.equal(appCalls(s, appId, 'PATCH').length, 1, 'one PATCH of the formation')
  const applied = await s.db.prisma.autoscaleDecision.count({ where: { instanceUuid: uuid, action: 'scale', outcome: { not: 'recorded' } } })
  t.equal(applied, 1, 'one scale decision carried out')
})
