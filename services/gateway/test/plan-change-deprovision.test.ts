// Spec §18 items 9–13: plan changes and deprovisioning.
import t from 'tap'
import { findTenant } from '@addonkit/log-store'
import { randomUUID } from 'node:crypto'
import { eventually, writeAddonDefinition } from '@addonkit/testkit'
import { startStack } from './helper.js'

t.test('plan changes', async (t) => {
  // A definition with a plan of another resource type, to exercise a refused change.
  const file = writeAddonDefinition((def) => {
    def.config_vars = [...new Set([...def.config_vars, 'ADDONKIT_DATABASE_URL'])]
    def.plans.push({ slug: 'db-mini', name: 'DB Mini', price_cents_per_month: 500, driver: 'postgres', limits: { connection_limit: 5, statement_timeout_ms: 5000, storage_mb: 100 } })
  })
  const s = await startStack(t, { env: { ADDON_DEFINITION: file } })
  const p = await s.heroku.provision({ plan: 'hobby' })
  t.equal(p.status, 200)

  t.test('9. PUT with a new plan → 200 with a message, limits applied', async (t) => {
    const r = await s.heroku.changePlan(p.uuid, 'standard')
    t.equal(r.status, 200)
    t.match(r.body.message, /Moved from Hobby to Standard/)
    t.equal((await findTenant(s.db.pool, 'instanceUuid', p.uuid))!.plan, 'standard')
    const trail = await s.db.prisma.auditEvent.findMany({ where: { instanceUuid: p.uuid, event: 'plan_changed' } })
    t.equal(trail.length, 1)
    await eventually(() => s.sim.addons.get(p.uuid)!.logLines.some((l) => /moved from the hobby plan to the standard plan/.test(l)))
    t.pass('the plan change is written into the app\'s log stream')
  })

  t.test('10. PUT with the current plan → 200 no-op', async (t) => {
    const before = await s.db.prisma.operation.count({ where: { instanceUuid: p.uuid } })
    const r = await s.heroku.changePlan(p.uuid, 'standard')
    t.equal(r.status, 200)
    t.match(r.body.message, /Already on the Standard plan/)
    t.equal(await s.db.prisma.operation.count({ where: { instanceUuid: p.uuid } }), before, 'no work queued')
  })

  t.test('11. a change the plan rules forbid → 422 with the reason; unknown plan → 422', async (t) => {
    const r = await s.heroku.changePlan(p.uuid, 'db-mini')
    t.equal(r.status, 422)
    t.match(r.body.message, /different kind of resource/)
    t.equal((await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: p.uuid } })).plan, 'standard', 'plan unchanged')
    const unknown = await s.heroku.changePlan(p.uuid, 'platinum')
    t.equal(unknown.status, 422)
    t.match(unknown.body.message, /Available plans/)
  })

  t.test('PUT for an unknown uuid → 404', async (t) => {
    t.equal((await s.heroku.changePlan(randomUUID(), 'pro')).status, 404)
  })
})

t.test('a DELETE as curl sends it (JSON Content-Type, no body, plain Accept) deprovisions', async (t) => {
  const s = await startStack(t)
  const p = await s.heroku.provision()
  t.equal(p.status, 200)
  const del = () => fetch(`${s.gatewayUrl}/heroku/resources/${p.uuid}`, {
    method: 'DELETE',
    headers: { 'Content-Type': 'application/json', Accept: '*/*', Authorization: `Basic ${Buffer.from(`addonkit:${s.env.ADDON_PASSWORD}`).toString('base64')}` }
  })
  const first = await del()
  t.equal(first.status, 204, await first.text())
  t.equal((await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: p.uuid } })).state, 'deprovisioned')
  t.equal((await del()).status, 410)
  // Heroku's own form of the request, through the simulator.
  t.equal((await s.heroku.provision({ uuid: p.uuid })).status, 410)
})

t.test('deprovisioning', async (t) => {
  const s = await startStack(t, { env: { PURGE_GRACE_SECONDS: '2' } })
  const p = await s.heroku.provision()
  t.equal(p.status, 200)

  t.test('12. DELETE → 204; credentials revoked at once; data purged after the grace period', async (t) => {
    const r = await s.heroku.deprovision(p.uuid)
    t.equal(r.status, 204)
    const inst = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: p.uuid } })
    t.equal(inst.state, 'deprovisioned')
    const tenant = await eventually(async () => {
      const tn = (await findTenant(s.db.pool, 'instanceUuid', p.uuid))!
      return tn.revoked && tn
    })
    t.ok(tenant.revoked)
    const purged = await eventually(async () => {
      const i = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: p.uuid } })
      return i.purgedAt && i
    }, 15_000)
    t.equal(purged.configEnc, null, 'secrets gone after purge')
    t.ok(purged.purgedAt!.getTime() - inst.deprovisionedAt!.getTime() >= 1900, 'not before the grace period')
    t.equal(await s.db.prisma.oAuthToken.count({ where: { instanceUuid: p.uuid } }), 0)
  })

  t.test('13. DELETE again or for an unknown uuid → 410, never 5xx; the uuid cannot come back', async (t) => {
    t.equal((await s.heroku.deprovision(p.uuid)).status, 410)
    const again = await s.heroku.provision({ uuid: p.uuid })
    t.equal(again.status, 410, 'provisioning a deprovisioned uuid answers 410')
    t.match(again.body, { message: /deprovisioned/ })
    t.equal((await s.heroku.deprovision(randomUUID())).status, 410)
    t.equal((await s.heroku.deprovision('not-a-uuid')).status, 410)
  })

  t.test('the audit log records the lifecycle in order', async (t) => {
    const trail = await s.db.prisma.auditEvent.findMany({ where: { instanceUuid: p.uuid }, orderBy: [{ at: 'asc' }, { id: 'asc' }] })
    const events = trail.map((e) => e.event)
    for (const e of ['provision_requested', 'grant_exchanged', 'allocated', 'provisioned', 'deprovision_requested', 'credentials_revoked', 'purged']) t.ok(events.includes(e), e)
    t.ok(events.indexOf('provisioned') < events.indexOf('deprovision_requested'))
  })
})
