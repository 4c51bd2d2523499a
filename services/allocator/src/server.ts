// Start-up of the allocator: the only file that listens (service-kit startService).
import { startService } from '@addonkit/service-kit'
import { loadAllocatorConfig } from './config.js'

await startService({ name: 'allocator', loadConfig: loadAllocatorConfig, port: (c) => c.allocatorPort, buildApp: async (c) => (await import('./app.js')).buildApp(c) })
