// The allocator as a library: its app factory, config loader and driver interface.
import { describeService } from '@addonkit/service-kit'
import { buildApp } from './app.js'
import { loadAllocatorConfig } from './config.js'
export { buildApp, type AllocatorOptions } from './app.js'
export { loadAllocatorConfig, type AllocatorConfig } from './config.js'
export type { Driver, DriverContext, UsageMetric, PlanCheck } from './drivers/driver.js'
export { PermanentDriverError } from './drivers/driver.js'
export { defaultDrivers } from './drivers/registry.js'

/** The allocator as the platform test harness (@addonkit/testkit startPlatform) starts it. */
export const service = describeService(import.meta.url, { name: 'allocator', loadConfig: loadAllocatorConfig, buildApp, portVariable: 'ALLOCATOR_PORT' })
