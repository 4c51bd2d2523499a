// The allocator as a library: its app factory, config loader and driver interface.
export { buildApp, type AllocatorOptions } from './app.js'
export { loadAllocatorConfig, type AllocatorConfig } from './config.js'
export type { Driver, DriverContext, UsageMetric, PlanCheck } from './drivers/driver.js'
export { PermanentDriverError } from './drivers/driver.js'
export { defaultDrivers } from './drivers/registry.js'
