// The gateway as a library: its app factory and config loader (for tests and benchmarks).
import { fileURLToPath } from 'node:url'
import { buildApp } from './app.js'
import { loadGatewayConfig } from './config.js'
export { buildApp, type GatewayOptions } from './app.js'
export { loadGatewayConfig, GATEWAY_SETTINGS, type GatewayConfig } from './config.js'

/** The gateway as the platform test harness (@addonkit/testkit startPlatform) starts it. */
export const service = {
  name: 'gateway' as const,
  loadConfig: loadGatewayConfig,
  buildApp,
  serverFile: fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './server.ts' : './server.js', import.meta.url)),
  portVariable: 'GATEWAY_PORT'
}
