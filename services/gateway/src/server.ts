// Start-up of the gateway: the only file that listens.
import { startService } from '@addonkit/service-kit'
import { loadGatewayConfig } from './config.js'

await startService({
  name: 'gateway',
  loadConfig: loadGatewayConfig,
  // The app (and everything it imports) loads only after the config is valid, so a
  // configuration error is reported at once.
  buildApp: async (config) => (await import('./app.js')).buildApp(config),
  port: (c) => c.gatewayPort,
  host: (c) => c.host
})
