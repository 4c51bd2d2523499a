// What every Addonkit service is built from.
export { createBaseApp, type BaseAppOptions } from './base-app.js'
export { startService, SHUTDOWN_DEADLINE_MS, type StartOptions } from './server.js'
export { connectNats, natsPing } from './nats.js'
export { durabilityRisks, enforceDurability, serverFacts, versionBefore, NatsDurabilityRefused, JETSTREAM_FIXED_VERSION, type NatsServerFacts, type DurabilityRisk } from './nats-durability.js'
export { loggerOptions, genReqId, REDACT_PATHS } from './logger.js'
export { installErrorHandler } from './error-handler.js'
export type { ReadinessCheck } from './health.js'
export { installJsonParser, JSON_MEDIA_TYPE } from './content-types.js'
