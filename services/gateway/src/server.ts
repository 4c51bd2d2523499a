// Start-up of the gateway: the only file that listens.
import { startService } from '@addonkit/service-kit'
import { buildApp } from './app.js'
import { loadGatewayConfig } from './config.js'

await startService({
  name: 'gateway',
  loadConfig: loadGatewayConfig,
  buildApp: (config) => buildApp(config),
  port: (c) => c.gatewayPort,
  host: (c) => c.host
})
