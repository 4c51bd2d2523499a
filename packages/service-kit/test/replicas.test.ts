import t from 'tap'
import { createTestDatabase, startTestNats, eventually } from '@addonkit/testkit'
import { createBaseApp, replicasPlugin } from '../src/index.js'

t.test('replicas count each other over NATS, and forget one that stopped', async (t) => {
  const nats = await startTestNats(t)
  const databaseUrl = await createTestDatabase(t)
  const start = async (subject: string) => {
    const app = await createBaseApp({ name: 'r', errorPrefix: 'X', databaseUrl, natsUrl: nats.url, logLevel: 'silent' })
    await app.register(replicasPlugin, { subject, everyMs: 100 })
    await app.ready()
    t.teardown(() => app.close())
    return app
  }
  const a = await start('addonkit.presence.test')
  t.equal(a.replicaCount(), 1, 'alone, it counts itself')
  const b = await start('addonkit.presence.test')
  const other = await start('addonkit.presence.other-service')
  await eventually(() => a.replicaCount() === 2 && b.replicaCount() === 2, 5000)
  t.pass('two replicas see each other')
  t.equal(other.replicaCount(), 1, 'another service\'s replicas are not counted')
  await b.close()
  await eventually(() => a.replicaCount() === 1, 5000)
  t.pass('a replica that stopped is forgotten after three missed announcements')
})
