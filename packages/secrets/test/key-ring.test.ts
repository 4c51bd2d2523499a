import t from 'tap'
import { parseKeyRingSpec } from '@addonkit/config'
import { KeyRing, generateKeyRingSpec, DecryptionError, verifySecret, sha256Hex, safeEqual, randomSecret } from '../src/index.js'

t.test('seal and open round-trip with the primary key', async (t) => {
  const ring = new KeyRing(parseKeyRingSpec(generateKeyRingSpec('a')))
  const sealed = ring.seal('päss wörd', 'row-1')
  t.not(sealed.includes('päss'), true)
  t.equal(ring.open(sealed, 'row-1'), 'päss wörd')
  t.same(ring.openJson(ring.sealJson({ x: [1, 2] })), { x: [1, 2] })
})

t.test('a value sealed for one context does not open in another', async (t) => {
  const ring = new KeyRing(parseKeyRingSpec(generateKeyRingSpec()))
  t.throws(() => ring.open(ring.seal('x', 'row-1'), 'row-2'), DecryptionError)
})

t.test('tampering is detected', async (t) => {
  const ring = new KeyRing(parseKeyRingSpec(generateKeyRingSpec()))
  const parts = ring.seal('secret value').split('.')
  const ct = Buffer.from(parts[4]!, 'base64url'); ct[0] = ct[0]! ^ 1
  parts[4] = ct.toString('base64url')
  t.throws(() => ring.open(parts.join('.')), DecryptionError)
  t.throws(() => ring.open('plain text'), DecryptionError)
})

t.test('keys rotate: old values open after a new primary is added', async (t) => {
  const old = generateKeyRingSpec('old')
  const sealed = new KeyRing(parseKeyRingSpec(old)).seal('kept')
  const rotated = new KeyRing(parseKeyRingSpec(`${generateKeyRingSpec('new')},${old}`))
  t.equal(rotated.open(sealed), 'kept')
  t.equal(rotated.isStale(sealed), true)
  t.equal(rotated.isStale(rotated.seal('fresh')), false)
  const without = new KeyRing(parseKeyRingSpec(generateKeyRingSpec('other')))
  t.throws(() => without.open(sealed), /not in ENCRYPTION_KEYS/)
})

t.test('secret verifiers', async (t) => {
  const s = randomSecret()
  t.ok(s.length >= 43)
  t.equal(verifySecret(s, sha256Hex(s)), true)
  t.equal(verifySecret(s + 'x', sha256Hex(s)), false)
  t.equal(verifySecret(s, 'nothex'), false)
  t.equal(safeEqual('abc', 'abc'), true)
  t.equal(safeEqual('abc', 'abd'), false)
  t.equal(safeEqual('abc', 'abcd'), false)
})
