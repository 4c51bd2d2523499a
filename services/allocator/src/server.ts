// Start-up of the allocator: the only file that listens.
import { startService } from '@addonkit/service-kit'
import { loadAllocatorConfig } from './config.js'

await startService({
  name: 'allocator',
  loadConfig: loadAllocatorConfig,
  // The app (and everything it imports) loads only after the config is valid, so a
  // configuration error is reported at once.
  buildApp: async (config) => (await import('./app.js')).buildApp(config),
  port: (c) => c.allocatorPort,
  host: (c) => c.host
})
