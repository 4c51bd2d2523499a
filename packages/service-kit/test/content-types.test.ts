// Heroku's requests as sent (protocol §3.3): a JSON Content-Type on every verb, with or without
// a body, its vendor media type, parameters, both Accept forms, unknown fields.
import t from 'tap'
import { createTestDatabase, startTestNats } from '@addonkit/testkit'
import { createBaseApp } from '../src/index.js'

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'APPLICATION/JSON',
  'application/vnd.heroku-addons+json; version=3'
]
const ACCEPTS = ['application/vnd.heroku-addons+json; version=3', 'application/json']
const VERBS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const

t.test('every verb takes an empty or a JSON body under every JSON Content-Type', async (t) => {
  const nats = await startTestNats(t)
  const app = await createBaseApp({ name: 'x', errorPrefix: 'X', databaseUrl: await createTestDatabase(t), natsUrl: nats.url, logLevel: 'silent' })
  t.teardown(() => app.close())
  for (const method of VERBS) app.route({ method, url: '/things/:id', handler: async (req) => ({ method, body: req.body ?? null }) })
  app.post('/needs-body', {
    schema: { body: { type: 'object', required: ['plan'], properties: { plan: { type: 'string' } } } }
  }, async (req) => ({ body: req.body }))

  let checked = 0
  for (const method of VERBS) {
    for (const contentType of CONTENT_TYPES) {
      for (const accept of ACCEPTS) {
        const empty = await app.inject({ method, url: '/things/1', headers: { 'content-type': contentType, accept } })
        t.equal(empty.statusCode, 200, `${method} with ${contentType}, no body: ${empty.body}`)
        t.same(empty.json(), { method, body: null })
        const withBody = await app.inject({ method, url: '/things/1', headers: { 'content-type': contentType, accept }, payload: '{"plan":"pro","unknown_extra":{"a":1}}' })
        t.equal(withBody.statusCode, 200, `${method} with ${contentType} and a body`)
        t.same(withBody.json(), { method, body: { plan: 'pro', unknown_extra: { a: 1 } } })
        checked += 2
      }
    }
  }
  t.equal(checked, VERBS.length * CONTENT_TYPES.length * ACCEPTS.length * 2)

  const blank = await app.inject({ method: 'DELETE', url: '/things/1', headers: { 'content-type': 'application/json' }, payload: ' \r\n' })
  t.equal(blank.statusCode, 200, 'a body of white space is no body')
  const noType = await app.inject({ method: 'DELETE', url: '/things/1' })
  t.equal(noType.statusCode, 200, 'no Content-Type, no body')
})

t.test('a required body still fails its schema, and bad JSON is a 400 with a code', async (t) => {
  const nats = await startTestNats(t)
  const app = await createBaseApp({ name: 'x', errorPrefix: 'X', databaseUrl: await createTestDatabase(t), natsUrl: nats.url, logLevel: 'silent' })
  t.teardown(() => app.close())
  app.post('/needs-body', {
    schema: { body: { type: 'object', required: ['plan'], properties: { plan: { type: 'string' } } } }
  }, async (req) => ({ body: req.body }))

  const missing = await app.inject({ method: 'POST', url: '/needs-body', headers: { 'content-type': 'application/json' } })
  t.equal(missing.statusCode, 400)
  t.match(missing.json(), { code: 'X_BAD_REQUEST', message: /body/ })
  const broken = await app.inject({ method: 'POST', url: '/needs-body', headers: { 'content-type': 'application/json' }, payload: '{"plan":' })
  t.equal(broken.statusCode, 400)
  t.equal(broken.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY')
  const poisoned = await app.inject({ method: 'POST', url: '/needs-body', headers: { 'content-type': 'application/json' }, payload: '{"plan":"a","__proto__":{"admin":true}}' })
  t.equal(poisoned.statusCode, 400, 'prototype poisoning is still refused')
  const lookalike = await app.inject({ method: 'POST', url: '/needs-body', headers: { 'content-type': 'application/jsonx' }, payload: '{"plan":"a"}' })
  t.equal(lookalike.statusCode, 415, 'a media type that only starts like JSON is not JSON')
  const ok = await app.inject({ method: 'POST', url: '/needs-body', headers: { 'content-type': 'application/vnd.heroku-addons+json; version=3' }, payload: '{"plan":"a"}' })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { body: { plan: 'a' } })
})
