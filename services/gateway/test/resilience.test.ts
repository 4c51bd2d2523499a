// Crash and outage recovery: the outbox resumes work after the allocator is SIGKILLed, and
// a nats-server restart mid-provision delays but does not lose the provision.
import t from 'tap'
import { countTenants } from '@addonkit/log-store'
import { eventually } from '@addonkit/testkit'
import { startStack } from './helper.js'

t.test('the allocator is SIGKILLed between receiving work and pushing config', async (t) => {
  const s = await startStack(t, { allocator: 'none', env: { SYNC_BUDGET_MS: '300' } })
  const first = await s.spawnAllocator()
  // Hold the config push at the simulator: the allocator has allocated and is mid-push.
  const held = s.sim.hold(/\/config$/)
  const r = await s.heroku.provision()
  t.equal(r.status, 202)
  await held.arrived
  first.kill('SIGKILL')
  await new Promise((resolve) => first.once('exit', resolve))
  held.release()
  const second = await s.spawnAllocator()
  t.teardown(() => { second.kill('SIGTERM') })
  const addon = await s.heroku.waitForState(r.uuid, 'provisioned', 30_000)
  t.ok(addon.config.ADDONKIT_URL)
  t.equal(await countTenants(s.db.pool, r.uuid), 1, 'exactly one tenant')
  const inst = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
  t.equal(inst.state, 'provisioned')
  const provisions = s.sim.calls.filter((c) => c.method === 'POST' && c.path.endsWith(`/addons/${r.uuid}/actions/provision`) && c.status === 200)
  t.ok(provisions.length >= 1)
})

t.test('nats-server restarts mid-provision; the provision completes', async (t) => {
  const s = await startStack(t, { env: { SYNC_BUDGET_MS: '300' } })
  const held = s.sim.hold(/\/oauth\/token$/)
  const pending = s.heroku.provision()
  await held.arrived
  await s.nats.restart()
  held.release()
  const r = await pending
  t.ok([200, 202].includes(r.status), `answered ${r.status}`)
  await s.heroku.waitForState(r.uuid, 'provisioned', 30_000)
  const inst = await eventually(async () => {
    const i = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid: r.uuid } })
    return i.state === 'provisioned' && i
  })
  t.equal(inst.state, 'provisioned')
  t.equal(await countTenants(s.db.pool, r.uuid), 1)
})

t.test('secrets never appear in the logs', async (t) => {
  const s = await startStack(t, { env: { SYNC_BUDGET_MS: '0', LOG_LEVEL: 'debug' } })
  const r = await s.heroku.provision()
  await s.heroku.waitForState(r.uuid, 'provisioned')
  await s.heroku.changePlan(r.uuid, 'pro')
  await s.heroku.deprovision(r.uuid)
  const addon = s.sim.addons.get(r.uuid)!
  const secrets = [s.env.ADDON_PASSWORD!, s.env.HEROKU_CLIENT_SECRET!, (r.request.body as any).oauth_grant.code, ...Object.values(addon.config)]
  const url = new URL(addon.config.ADDONKIT_URL!)
  secrets.push(url.password, decodeURIComponent(url.password))
  for (const c of s.sim.calls) {
    const auth = c.headers.authorization
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) secrets.push(auth.slice(7))
  }
  t.ok(s.logs.lines.length >= 5, `captured ${s.logs.lines.length} log lines`)
  for (const secret of new Set(secrets.filter((x) => x && x.length >= 8))) {
    t.notOk(s.logs.text.includes(secret), `a secret of length ${secret.length} is not in the logs`)
  }
})
