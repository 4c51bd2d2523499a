// The gateway's configuration, validated once at start.
import { loadConfig } from '@addonkit/config'

export const GATEWAY_SETTINGS = ['addonPassword', 'encryptionKeys', 'gatewayPort', 'gatewayPublicUrl', 'drainPublicUrl', 'syncBudgetMs', 'purgeGraceSeconds'] as const

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>

export function loadGatewayConfig (env: Record<string, string | undefined>) {
  return loadConfig(env, GATEWAY_SETTINGS)
}
