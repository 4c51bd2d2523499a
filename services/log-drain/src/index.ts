// The log-drain as a library: its app factory and config loader, the storage interface,
// and the helper that writes add-on events into an app's log stream (reusable by other
// services).
export { buildApp, type DrainOptions } from './app.js'
export { loadDrainConfig, type DrainConfig } from './config.js'
export type { LogStore, IncomingBatch, PreparedBatch, AppendOutcome, SearchQuery, SearchResult, StoredLine, TenantUsage } from './store/log-store.js'
export { createPgLogStore } from './store/pg-log-store.js'
export { postAddonLogEvent, addonUserAgent, type AddonLogEventDeps } from './app-logs/addon-log-events.js'
