// Random credentials and their verification. Credentials are 256-bit random values, so a
// single SHA-256 is a sufficient verifier (no slow password hash needed) and comparisons
// are constant-time.
import * as crypto from 'node:crypto'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A URL-safe random secret of `bytes` bytes of entropy. */
export function randomSecret (bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** A short random identifier (e.g. a username) with a readable prefix. */
export function randomId (prefix: string, bytes = 9): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`
}

/** `n` secrets as randomSecret(bytes) makes them, from one read of the CSPRNG (a sign-in batch's session ids and CSRF tokens). */
export function randomSecrets (n: number, bytes = 32): string[] {
  const all = randomBytes(bytes * n)
  return Array.from({ length: n }, (_, i) => all.subarray(bytes * i, bytes * (i + 1)).toString('base64url'))
}

// crypto.hash (Node >= 20.12) hashes in one call, without a Hash object: the SSO sign-in
// computes several digests on its hot path (issue 20). createHash where Node has none.
const oneShot = (crypto as { hash?: (algo: string, s: string, enc: 'hex') => string }).hash

/** The hex digest of a string's UTF-8 bytes. */
export function digestHex (algo: 'sha1' | 'sha256', value: string): string {
  return oneShot ? oneShot(algo, value, 'hex') : createHash(algo).update(value, 'utf8').digest('hex')
}

export function sha256Hex (value: string): string {
  return digestHex('sha256', value)
}

/**
 * Constant-time comparison of a computed digest (hex) with a presented one. A digest's
 * length is public (40 or 64), so a presented value of another length is refused at once;
 * equal lengths are compared byte by byte (UTF-8, which is injective: equal bytes, equal
 * strings), without hashing both sides first as safeEqual does.
 */
export function sameDigest (expected: string, presented: string): boolean {
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(presented, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Constant-time string comparison (hashes first so lengths do not leak). */
export function safeEqual (a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb) && a.length === b.length
}

/** Checks a presented secret against a stored SHA-256 verifier in constant time. */
export function verifySecret (presented: string, storedHash: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = Buffer.from(storedHash, 'hex')
  return b.length === a.length && timingSafeEqual(a, b)
}
