// Start-up of the dashboard: the only file that listens.
import { startService } from '@addonkit/service-kit'
import { buildApp } from './app.js'
import { loadDashboardConfig } from './config.js'

await startService({
  name: 'dashboard',
  loadConfig: loadDashboardConfig,
  buildApp: (config) => buildApp(config),
  port: (c) => c.dashboardPort,
  host: (c) => c.host
})
