// The dashboard's configuration, validated once at start.
import { loadConfig } from '@addonkit/config'

export const DASHBOARD_SETTINGS = ['ssoSalt', 'sessionSecret', 'encryptionKeys', 'dashboardPort', 'dashboardPublicUrl', 'trustProxy'] as const

export type DashboardConfig = ReturnType<typeof loadDashboardConfig>

export function loadDashboardConfig (env: Record<string, string | undefined>) {
  return loadConfig(env, DASHBOARD_SETTINGS)
}
