// The gateway as a library: its app factory and config loader (for tests and benchmarks).
import { describeService } from '@addonkit/service-kit'
import { buildApp } from './app.js'
import { loadGatewayConfig } from './config.js'
export { buildApp, type GatewayOptions } from './app.js'
export { loadGatewayConfig, GATEWAY_SETTINGS, type GatewayConfig } from './config.js'

/** The gateway as the platform test harness (@addonkit/testkit startPlatform) starts it. */
export const service = describeService(import.meta.url, { name: 'gateway', loadConfig: loadGatewayConfig, buildApp, portVariable: 'GATEWAY_PORT' })
