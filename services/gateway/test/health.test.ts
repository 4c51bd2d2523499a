import t from 'tap'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, startTestNats, testEnv, checkReadinessFollowsNats, runServerFile } from '@addonkit/testkit'
import { buildApp } from '../src/app.js'
import { loadGatewayConfig } from '../src/config.js'

t.test('healthz, and readyz follows nats-server down and back up', async (t) => {
  const nats = await startTestNats(t)
  const app = await buildApp(loadGatewayConfig(testEnv({ DATABASE_URL: await createTestDatabase(t), NATS_URL: nats.url, LOG_LEVEL: 'silent' })))
  t.teardown(() => app.close())
  await checkReadinessFollowsNats(t, app, nats)
})

t.test('a malformed variable stops start-up with one line naming it', async (t) => {
  const r = await runServerFile(fileURLToPath(new URL('../src/server.ts', import.meta.url)), testEnv({ DATABASE_URL: 'mysql://nope', NATS_URL: 'nats://127.0.0.1:1' }))
  t.equal(r.code, 1)
  t.equal(r.stderr.trim().split('\n').length, 1)
  t.match(r.stderr, /DATABASE_URL: must use postgres: or postgresql:/)
})
