// Start-up of the dashboard: the only file that listens.
import { startService } from '@addonkit/service-kit'
import { loadDashboardConfig } from './config.js'

await startService({
  name: 'dashboard',
  loadConfig: loadDashboardConfig,
  // The app (and everything it imports) loads only after the config is valid, so a
  // configuration error is reported at once.
  buildApp: async (config) => (await import('./app.js')).buildApp(config),
  port: (c) => c.dashboardPort,
  host: (c) => c.host
})
