// The dashboard as a library: its app factory and config loader (for tests and the stack).
import { describeService } from '@addonkit/service-kit'
import { buildApp } from './app.js'
import { loadDashboardConfig } from './config.js'
export { buildApp, DASHBOARD_DEFAULTS, type DashboardOptions } from './app.js'
export { loadDashboardConfig, DASHBOARD_SETTINGS, type DashboardConfig } from './config.js'

/** The dashboard as the platform test harness (@addonkit/testkit startPlatform) starts it. */
export const service = describeService(import.meta.url, { name: 'dashboard', loadConfig: loadDashboardConfig, buildApp, portVariable: 'DASHBOARD_PORT' })
