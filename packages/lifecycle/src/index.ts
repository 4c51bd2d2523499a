// Lifecycle pieces shared by the gateway, the allocator and the dashboard: the repositories
// of instances, the outbox (operations) and the audit log, the only code that writes those
// tables (packages/db/README.md); instance events, the once-only provision decision, sealed
// resource output.
export * from './sql.js'
export * from './group-commit.js'
export * from './audit.js'
export * from './events.js'
export * from './decision.js'
export * from './resource.js'
export * from './operations.js'
export * from './oauth.js'
export * from './instances.js'
export * from './autoscale-records.js'
