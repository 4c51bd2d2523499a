// ENCRYPTION_KEYS: a comma-separated key ring `id:base64key,…`. The first key encrypts;
// every key decrypts, so keys rotate by putting a new one first and keeping the old ones
// until the data is re-encrypted.
import { EnvVarError } from './errors.js'

export interface KeyRingSpec {
  primaryId: string
  keys: ReadonlyMap<string, Buffer>
}

export function parseKeyRingSpec (value: string): KeyRingSpec {
  const keys = new Map<string, Buffer>()
  let primaryId: string | undefined
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const idx = entry.indexOf(':')
    const id = entry.slice(0, idx)
    if (idx <= 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new EnvVarError('ENCRYPTION_KEYS', 'each entry must be id:base64key with an id of letters, digits, _ or -')
    const key = Buffer.from(entry.slice(idx + 1), 'base64')
    if (key.length !== 32) throw new EnvVarError('ENCRYPTION_KEYS', `key "${id}" must be 32 bytes of base64 (it is ${key.length} bytes)`)
    if (keys.has(id)) throw new EnvVarError('ENCRYPTION_KEYS', `key id "${id}" appears twice`)
    keys.set(id, key)
    primaryId ??= id
  }
  if (!primaryId) throw new EnvVarError('ENCRYPTION_KEYS', 'has no keys')
  return { primaryId, keys }
}
