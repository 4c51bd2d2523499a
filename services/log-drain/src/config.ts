// The log-drain's configuration, validated once at start (packages/config/src/env.ts).
import { loadConfig } from '@addonkit/config'

export const DRAIN_SETTINGS = [
  'encryptionKeys', 'drainPort', 'drainPublicUrl',
  'drainBodyLimit', 'drainMaxInflight', 'drainPublishTimeoutMs', 'drainTenantCacheMs', 'drainWriter', 'drainWriterNice', 'drainWriterPort', 'drainWriterTransactions', 'drainBacklogMaxBytes', 'drainGroupPublish', 'drainTls'
] as const

export type DrainConfig = ReturnType<typeof loadDrainConfig>

export function loadDrainConfig (env: Record<string, string | undefined>) {
  return loadConfig(env, DRAIN_SETTINGS)
}
