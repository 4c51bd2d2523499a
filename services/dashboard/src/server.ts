// Start-up of the dashboard: the only file that listens (service-kit startService).
import { startService } from '@addonkit/service-kit'
import { loadDashboardConfig } from './config.js'

await startService({ name: 'dashboard', loadConfig: loadDashboardConfig, port: (c) => c.dashboardPort, buildApp: async (c) => (await import('./app.js')).buildApp(c) })
