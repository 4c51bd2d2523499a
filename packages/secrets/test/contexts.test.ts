// The sealing contexts are part of the stored data: these strings must stay byte-identical,
// or what was sealed before cannot be opened.
import t from 'tap'
import { KeyRing, contexts, generateKeyRingSpec } from '../src/index.js'
import { parseKeyRingSpec } from '@addonkit/config'

const UUID = '01234567-89ab-cdef-0123-456789abcdef'

t.test('each context is the string data was sealed with', async (t) => {
  t.equal(contexts.logInputUrl(UUID), `log_input_url:${UUID}`)
  t.equal(contexts.resourceConfig(UUID), `config:${UUID}`)
  t.equal(contexts.provisionResponse(UUID), `response:${UUID}`)
  for (const kind of ['grant', 'access', 'refresh', 'user-access', 'user-refresh', 'webhook'] as const) {
    t.equal(contexts.oauth(UUID, kind), `oauth:${kind}:${UUID}`)
  }
})

t.test('a value sealed with the literal context opens with the builder, and only its own', async (t) => {
  const ring = new KeyRing(parseKeyRingSpec(generateKeyRingSpec()))
  const sealed = ring.seal('https://token:t.x@1.us.logplex.io/logs', `log_input_url:${UUID}`)
  t.equal(ring.open(sealed, contexts.logInputUrl(UUID)), 'https://token:t.x@1.us.logplex.io/logs')
  t.throws(() => ring.open(sealed, contexts.resourceConfig(UUID)))
})
