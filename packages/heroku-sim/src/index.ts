// A strict simulator of Heroku's side of the add-on protocol (OAuth, partner Platform API,
// Logplex input) and a driver that plays Heroku's requests against a provider's gateway.
export type { HerokuSim, SimOptions, SimManifest, SimCall, SimAddon, SimAddonState, SimLogFrame, IssuedGrant, HeldRequest } from './types.js'
export { startHerokuSim } from './heroku-sim.js'
export { type HerokuDriver, type HerokuDriverOptions, type DriverRequest, type DriverResult, type ProvisionOptions, type ProvisionResult, createHerokuDriver } from './heroku-driver.js'
export { SimError } from './errors.js'
export { LogplexParseError, parseLogplexBody } from './logplex-parser.js'
export { HEROKU_ACCEPT } from './platform-api-routes.js'
export { createDrainSender, encodeDrainFrame, type DrainSender, type DrainSenderOptions, type DrainSenderCounters, type DrainLine, type DrainBatchRecord } from './drain-sender.js'
