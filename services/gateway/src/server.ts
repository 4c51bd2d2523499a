// Start-up of the gateway: the only file that listens (service-kit startService).
import { startService } from '@addonkit/service-kit'
import { loadGatewayConfig } from './config.js'

await startService({ name: 'gateway', loadConfig: loadGatewayConfig, port: (c) => c.gatewayPort, buildApp: async (c) => (await import('./app.js')).buildApp(c) })
