// Start-up of the allocator: the only file that listens.
import { startService } from '@addonkit/service-kit'
import { buildApp } from './app.js'
import { loadAllocatorConfig } from './config.js'

await startService({
  name: 'allocator',
  loadConfig: loadAllocatorConfig,
  buildApp: (config) => buildApp(config),
  port: (c) => c.allocatorPort,
  host: (c) => c.host
})
