// The log store: the only code that reads or writes the log tables (log_lines, log_tenants,
// log_batches, log_usage_daily, router_windows). The log-drain ingests and answers the data
// API through it, the allocator's logs driver manages tenants through it, and the dashboard
// searches through it — the same search as the data API's, with the same retention.
export * from './log-store.js'
export { createPgLogStore, tenantUsage, addWindows as addRouterWindows, searchLines, tailLines, purgeTenantData, textPredicates, orderedScan, SEQ_BLOCK } from './pg-log-store.js'
export { encodeCursor, decodeCursor, type CursorPosition } from './cursor.js'
export { batchLines, clampToReceipt, CLAMP_MS, type ParsedBatch } from './batch-lines.js'
export { utcDay, partitionName, PARTITION_OPTIONS } from './pg-partitions.js'
export { inTransaction } from './pg-transaction.js'
export { limitsFor, longestRetentionDays, type TenantLimits } from './plans.js'
export * from './tenants.js'
export * from './router-metrics.js'
export * from './synthetic.js'
