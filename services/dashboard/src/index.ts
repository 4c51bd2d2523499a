// The dashboard as a library: its app factory and config loader (for tests and the stack).
import { fileURLToPath } from 'node:url'
import { buildApp } from './app.js'
import { loadDashboardConfig } from './config.js'
export { buildApp, DASHBOARD_DEFAULTS, type DashboardOptions } from './app.js'
export { loadDashboardConfig, DASHBOARD_SETTINGS, type DashboardConfig } from './config.js'

/** The dashboard as the platform test harness (@addonkit/testkit startPlatform) starts it. */
export const service = {
  name: 'dashboard' as const,
  loadConfig: loadDashboardConfig,
  buildApp,
  serverFile: fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './server.ts' : './server.js', import.meta.url)),
  portVariable: 'DASHBOARD_PORT'
}
