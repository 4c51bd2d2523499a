// Start-up of the log-drain: the only file that listens.
import { startService } from '@addonkit/service-kit'
import { loadDrainConfig } from './config.js'

await startService({
  name: 'log-drain',
  loadConfig: loadDrainConfig,
  // The app (and everything it imports) loads only after the config is valid, so a
  // configuration error is reported at once.
  buildApp: async (config) => (await import('./app.js')).buildApp(config),
  port: (c) => c.drainPort,
  host: (c) => c.host
})
