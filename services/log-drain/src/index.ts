// The log-drain as a library: its app factory and config loader, and the helper that
// writes add-on events into an app's log stream. The storage is @addonkit/log-store.
export { buildApp, type DrainOptions } from './app.js'
export { loadDrainConfig, type DrainConfig } from './config.js'
export { postAddonLogEvent, addonUserAgent, type AddonLogEventDeps } from './app-logs/addon-log-events.js'
