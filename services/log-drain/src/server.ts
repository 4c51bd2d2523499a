// Start-up of the log-drain: the only file that listens (service-kit startService).
import { startService } from '@addonkit/service-kit'
import { loadDrainConfig } from './config.js'

await startService({ name: 'log-drain', loadConfig: loadDrainConfig, port: (c) => c.drainPort, buildApp: async (c) => (await import('./app.js')).buildApp(c) })
