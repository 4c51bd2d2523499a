import t from 'tap'
import createError from '@fastify/error'
import { createTestDatabase, startTestNats, LogCapture } from '@addonkit/testkit'
import { createBaseApp } from '../src/index.js'

t.test('errors: 4xx keep their code, 5xx hide internals; logs redact secrets', async (t) => {
  const nats = await startTestNats(t)
  const logs = new LogCapture()
  const app = await createBaseApp({ name: 'x', errorPrefix: 'X', databaseUrl: await createTestDatabase(t), natsUrl: nats.url, logLevel: 'info', logStream: logs })
  t.teardown(() => app.close())
  const Refused = createError('X_REFUSED', 'refused: %s', 422)
  app.get('/refuse', async () => { throw new Refused('no') })
  app.get('/boom', async () => { throw new Error('database password=hunter2 leaked') })
  const refused = await app.inject('/refuse')
  t.equal(refused.statusCode, 422)
  t.match(refused.json(), { code: 'X_REFUSED', message: 'refused: no' })
  const boom = await app.inject({ url: '/boom?token=abc', headers: { authorization: 'Basic c2VjcmV0OnNlY3JldA==', 'x-request-id': 'req-42' } })
  t.equal(boom.statusCode, 500)
  t.equal(boom.headers['x-request-id'], 'req-42')
  t.notMatch(boom.body, /hunter2/)
  t.match(boom.json(), { code: 'X_INTERNAL', request_id: 'req-42' })
  const missing = await app.inject('/nope')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'X_NOT_FOUND')
  t.notMatch(logs.text, /c2VjcmV0OnNlY3JldA==/)
  t.notMatch(logs.text, /token=abc/)
  t.match(logs.text, /"reqId":"req-42"/)
})

t.test('closing while nats-server is gone finishes promptly', async (t) => {
  const nats = await startTestNats(t)
  const app = await createBaseApp({ name: 'x', errorPrefix: 'X', databaseUrl: await createTestDatabase(t), natsUrl: nats.url, logLevel: 'silent' })
  await app.ready()
  await nats.stop()
  // The client is now redialling a server that is not there.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const started = Date.now()
  await app.close()
  const took = Date.now() - started
  t.ok(took < 6000, `closed in ${took} ms (drain and close are each bounded)`)
})
