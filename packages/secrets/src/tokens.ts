// Random credentials and their verification. Credentials are 256-bit random values, so a
// single SHA-256 is a sufficient verifier (no slow password hash needed) and comparisons
// are constant-time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A URL-safe random secret of `bytes` bytes of entropy. */
export function randomSecret (bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** A short random identifier (e.g. a username) with a readable prefix. */
export function randomId (prefix: string, bytes = 9): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`
}

export function sha256Hex (value: string): string {
  return createHash('sha256').update(value).digest('hex')
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
