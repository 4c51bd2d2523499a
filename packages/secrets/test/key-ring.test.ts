import t from 'tap'
import { parseKeyRingSpec } from '@addonkit/config'
import { createHash } from 'node:crypto'
import { KeyRing, generateKeyRingSpec, DecryptionError, verifySecret, sha256Hex, safeEqual, randomSecret, randomSecrets, digestHex, sameDigest } from '../src/index.js'

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

t.test('digests in one call, compared without hashing, and secrets in batches', async (t) => {
  for (const v of ['', 'abc', 'ü€ and 🙂', 'x'.repeat(10_000)]) {
    t.equal(digestHex('sha256', v), createHash('sha256').update(v, 'utf8').digest('hex'), 'sha256 as createHash makes it')
    t.equal(digestHex('sha1', v), createHash('sha1').update(v, 'utf8').digest('hex'), 'sha1 as createHash makes it')
    t.equal(sha256Hex(v), digestHex('sha256', v))
  }
  const d = sha256Hex('token')
  t.equal(sameDigest(d, d), true)
  t.equal(sameDigest(d, d.slice(0, -1) + (d.endsWith('0') ? '1' : '0')), false, 'one digit differs')
  t.equal(sameDigest(d, d.slice(1)), false, 'shorter')
  t.equal(sameDigest(d, d + '0'), false, 'longer')
  t.equal(Buffer.from('\u0100', 'latin1').equals(Buffer.from('\u0000', 'latin1')), true, 'latin1 would make these two equal')
  t.equal(sameDigest('\u0000', '\u0100'), false, 'UTF-8 keeps them apart')
  const many = randomSecrets(5)
  t.equal(many.length, 5)
  t.equal(new Set(many).size, 5, 'all different')
  for (const s of many) t.match(s, /^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url, as randomSecret()')
  t.same(randomSecrets(0), [])
  t.match(randomSecrets(1, 9)[0], /^[A-Za-z0-9_-]{12}$/)
})
