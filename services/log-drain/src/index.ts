// The log-drain as a library: its app factory and config loader, and the helper that
// writes add-on events into an app's log stream. The storage is @addonkit/log-store.
import { fileURLToPath } from 'node:url'
import { buildApp } from './app.js'
import { loadDrainConfig } from './config.js'
export { buildApp, type DrainOptions } from './app.js'
export { loadDrainConfig, type DrainConfig } from './config.js'
export { postAddonLogEvent, addonUserAgent, type AddonLogEventDeps } from './app-logs/addon-log-events.js'

/** The log-drain as the platform test harness (@addonkit/testkit startPlatform) starts it. */
export const service = {
  name: 'log-drain' as const,
  loadConfig: loadDrainConfig,
  buildApp,
  serverFile: fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './server.ts' : './server.js', import.meta.url)),
  portVariable: 'DRAIN_PORT'
}
