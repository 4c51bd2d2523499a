// Lifecycle pieces shared by the gateway, the allocator and the dashboard: the outbox,
// instance events, the once-only provision decision, sealed resource output, the audit log.
export * from './audit.js'
export * from './events.js'
export * from './decision.js'
export * from './resource.js'
export * from './operations.js'
export * from './oauth.js'
export * from './instances.js'
export * from './autoscale-records.js'
