// The allocator as a library: its app factory, config loader and driver interface.
import { fileURLToPath } from 'node:url'
import { buildApp } from './app.js'
import { loadAllocatorConfig } from './config.js'
export { buildApp, type AllocatorOptions } from './app.js'
export { loadAllocatorConfig, type AllocatorConfig } from './config.js'
export type { Driver, DriverContext, UsageMetric, PlanCheck } from './drivers/driver.js'
export { PermanentDriverError } from './drivers/driver.js'
export { defaultDrivers } from './drivers/registry.js'

/** The allocator as the platform test harness (@addonkit/testkit startPlatform) starts it. */
export const service = {
  name: 'allocator' as const,
  loadConfig: loadAllocatorConfig,
  buildApp,
  serverFile: fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './server.ts' : './server.js', import.meta.url)),
  portVariable: 'ALLOCATOR_PORT'
}
