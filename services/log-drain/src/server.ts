// Start-up of the log-drain: the only file that listens.
import { startService } from '@addonkit/service-kit'
import { buildApp } from './app.js'
import { loadDrainConfig } from './config.js'

await startService({
  name: 'log-drain',
  loadConfig: loadDrainConfig,
  buildApp: (config) => buildApp(config),
  port: (c) => c.drainPort,
  host: (c) => c.host
})
