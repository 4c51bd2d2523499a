// The dashboard as a library: its app factory and config loader (for tests and the stack).
export { buildApp, DASHBOARD_DEFAULTS, type DashboardOptions } from './app.js'
export { loadDashboardConfig, DASHBOARD_SETTINGS, type DashboardConfig } from './config.js'
