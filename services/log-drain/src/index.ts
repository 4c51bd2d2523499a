// The log-drain as a library: its app factory and config loader, and the helper that
// writes add-on events into an app's log stream. The storage is @addonkit/log-store.
import { describeService } from '@addonkit/service-kit'
import { buildApp } from './app.js'
import { loadDrainConfig } from './config.js'
export { buildApp, type DrainOptions } from './app.js'
export { loadDrainConfig, type DrainConfig } from './config.js'
export { postAddonLogEvent, addonUserAgent, type AddonLogEventDeps } from './app-logs/addon-log-events.js'

/** The log-drain as the platform test harness (@addonkit/testkit startPlatform) starts it. */
export const service = describeService(import.meta.url, { name: 'log-drain', loadConfig: loadDrainConfig, buildApp, portVariable: 'DRAIN_PORT' })
