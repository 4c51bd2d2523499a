// AES-256-GCM encryption at rest with a key ring (ENCRYPTION_KEYS). A sealed value reads
// `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url), so any key of the ring can open what
// it sealed and the primary key seals everything new.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { KeyRingSpec } from '@addonkit/config'

export class DecryptionError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DecryptionError'
  }
}

export class KeyRing {
  readonly #spec: KeyRingSpec
  constructor (spec: KeyRingSpec) { this.#spec = spec }

  get primaryId (): string { return this.#spec.primaryId }

  /** Encrypts text; `aad` binds the ciphertext to a context (e.g. the row's id). */
  seal (plaintext: string, aad = ''): string {
    const key = this.#spec.keys.get(this.#spec.primaryId)!
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(Buffer.from(aad))
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return ['v1', this.#spec.primaryId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.')
  }

  open (sealed: string, aad = ''): string {
    const parts = sealed.split('.')
    if (parts.length !== 5 || parts[0] !== 'v1') throw new DecryptionError('not a sealed value')
    const key = this.#spec.keys.get(parts[1]!)
    if (!key) throw new DecryptionError(`key "${parts[1]}" is not in ENCRYPTION_KEYS`)
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2]!, 'base64url'))
      decipher.setAAD(Buffer.from(aad))
      decipher.setAuthTag(Buffer.from(parts[3]!, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(parts[4]!, 'base64url')), decipher.final()]).toString('utf8')
    } catch (err) {
      throw new DecryptionError('sealed value failed authentication', { cause: err })
    }
  }

  sealJson (value: unknown, aad = ''): string { return this.seal(JSON.stringify(value), aad) }
  openJson<T> (sealed: string, aad = ''): T { return JSON.parse(this.open(sealed, aad)) as T }

  /** True when the value was sealed with a key other than the primary (re-seal it). */
  isStale (sealed: string): boolean { return sealed.split('.')[1] !== this.#spec.primaryId }
}

/** A fresh key ring spec string with one random key, for generated defaults. */
export function generateKeyRingSpec (id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`
}
