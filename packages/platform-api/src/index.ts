// Heroku Platform API for Partners client: OAuth grant exchange and refresh, config
// updates, provision/deprovision actions, and writing to app logs via log_input_url (add-on
// events: postAddonLogEvent, the one writer every service uses).
export { PlatformApiError, PlatformErrorCode, type PlatformApiErrorOptions } from './errors.js'
export type { PlatformClientOptions, CallAttempt, CallObserver } from './client-options.js'
export { endpointOf } from './send-with-retries.js'
export { type TokenSet, needsRefresh } from './oauth-tokens.js'
export { type PlatformClient, type ConfigVar, createPlatformClient, HEROKU_ACCEPT } from './platform-client.js'
export { type LogLine, type LogplexBody, buildLogplexBody, formatTimestamp } from './logplex-frames.js'
export { type PostAppLogsOptions, postAppLogs } from './log-input.js'
export { type AddonIdentity, type AddonLogEventDeps, type AddonLogEventOptions, addonUserAgent, postAddonLogEvent } from './addon-log-events.js'
export { type AppClient, type Formation, type AddonWebhook, type WithRateLimit, createAppClient } from './app-client.js'
