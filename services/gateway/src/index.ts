// The gateway as a library: its app factory and config loader (for tests and benchmarks).
export { buildApp, type GatewayOptions } from './app.js'
export { loadGatewayConfig, GATEWAY_SETTINGS, type GatewayConfig } from './config.js'
