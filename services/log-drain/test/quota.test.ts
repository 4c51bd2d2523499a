// The plan's daily line quota: over it, batches are still acknowledged (2xx), the extra
// lines are dropped and counted, and the customer is told once, with a line in the app's
// own log stream (the simulator's strict log input, protocol §11.2) and on the usage figures.
import t from 'tap'
import { tenantUsage } from '@addonkit/log-store'
import { startDrainStack, eventually } from './helper.js'

t.test('over the quota: 2xx, dropped and counted, one notice in the app log', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant('tiny') // 50 lines a day
  const sender = tenant.sender({ maxLines: 20 })
  for (let i = 0; i < 130; i++) sender.push({ message: `line ${i}` })
  await sender.flush()
  t.equal(sender.counters.acknowledgedLines, 130, 'every batch acknowledged')
  t.equal(sender.counters.dropped, 0)
  await eventually(async () => {
    const u = await tenantUsage(stack.db.pool, tenant.id, 1)
    return u.linesToday + u.droppedToday === 130
  })
  t.equal(await stack.storedCount(tenant), 50, 'the first 50 lines stored')
  const addon = stack.sim.addons.get(tenant.instanceUuid)!
  await eventually(() => addon.logLines.length > 0)
  t.match(addon.logLines[0], /reached its plan's daily limit of 50 log lines/)
  t.match(addon.logFrames[0], { appName: 'app', structuredData: '-' })

  for (let i = 0; i < 40; i++) sender.push({ message: `more ${i}` })
  await sender.flush()
  await eventually(async () => {
    return (await tenantUsage(stack.db.pool, tenant.id, 1)).droppedToday === 120
  })
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(addon.logLines.length, 1, 'told once a day')

  // What the dashboard shows, through the allocator's logs driver.
  const { defaultDrivers } = await import('@addonkit/allocator')
  const usage = await defaultDrivers().get('logs')!.usage(await stack.driverContext(tenant.instanceUuid))
  t.match(usage.find((m) => m.name === 'lines_today'), { used: 50, limit: 50 })
  t.match(usage.find((m) => m.name === 'dropped_today'), { used: 120 })
  const storage = usage.find((m) => m.name === 'storage')!
  t.ok(storage.used > 0 && storage.used < 1, `storage in MB (${storage.used})`)
})
