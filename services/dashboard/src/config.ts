// The dashboard's configuration, validated once at start.
import { loadConfig } from '@addonkit/config'

// The Heroku settings serve the Autoscaling page's "Connect Heroku account" (OAuth
// authorization code flow with the third-party client HEROKU_OAUTH_ID / HEROKU_OAUTH_SECRET).
export const DASHBOARD_SETTINGS = ['ssoSalt', 'sessionSecret', 'encryptionKeys', 'dashboardPort', 'dashboardPublicUrl', 'trustProxy', 'herokuOauthClient', 'herokuIdUrl', 'herokuApiUrl'] as const

export type DashboardConfig = ReturnType<typeof loadDashboardConfig>

export function loadDashboardConfig (env: Record<string, string | undefined>) {
  return loadConfig(env, DASHBOARD_SETTINGS)
}
