// Embedded defaults for secrets: generated once into .data/secrets.json (mode 0600) and
// reused, unless the environment sets them.
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const GENERATED = {
  ADDON_PASSWORD: () => randomBytes(24).toString('base64url'),
  ADDON_SSO_SALT: () => randomBytes(24).toString('base64url'),
  HEROKU_CLIENT_SECRET: () => randomBytes(24).toString('base64url'),
  ENCRYPTION_KEYS: () => `k1:${randomBytes(32).toString('base64')}`,
  SESSION_SECRET: () => randomBytes(32).toString('base64url'),
  /** Superuser password of the embedded tenant-database cluster (npm start only). */
  EMBEDDED_RESOURCE_PG_PASSWORD: () => randomBytes(24).toString('base64url')
} as const

/** The generated secrets, merged under what env already sets. */
export function loadOrCreateSecrets (dataDir: string, env: NodeJS.ProcessEnv): Record<string, string> {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, 'secrets.json')
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}
  let changed = false
  for (const [name, make] of Object.entries(GENERATED)) {
    if (!stored[name]) { stored[name] = make(); changed = true }
  }
  if (changed) writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  const out: Record<string, string> = {}
  for (const name of Object.keys(GENERATED)) out[name] = env[name] || stored[name]!
  return out
}
