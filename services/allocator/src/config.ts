// The allocator's configuration, validated once at start.
import { loadConfig } from '@addonkit/config'

export const ALLOCATOR_SETTINGS = ['encryptionKeys', 'allocatorPort', 'herokuClientSecret', 'herokuApiUrl', 'herokuIdUrl', 'gatewayPublicUrl', 'drainPublicUrl', 'purgeGraceSeconds', 'credentialGraceSeconds', 'syncBudgetMs', 'operationLeaseMs', 'operationSweepMs', 'operationMaxAttempts', 'resourcePgAdminUrl', 'herokuOauthClient', 'autoscaleTickMs', 'autoscaleRateShare', 'autoscaleWakeOnWindows'] as const

export type AllocatorConfig = ReturnType<typeof loadAllocatorConfig>

export function loadAllocatorConfig (env: Record<string, string | undefined>) {
  return loadConfig(env, ALLOCATOR_SETTINGS)
}
