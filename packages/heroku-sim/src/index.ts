// A strict simulator of Heroku's side of the add-on protocol, laid out by Heroku surface:
// id/ (OAuth token and authorize endpoints), platform-api/ (the Platform API: add-ons,
// formation, webhooks, rate limits), partner-api/ (Heroku's requests to a provider and how it
// reads the answers), addons-sso/ (the SSO host), logplex/ (log input and drains), webhooks/
// (webhook deliveries), app-model/ (a simulated app's router traffic), control/ (the sim's
// own API for other processes), model/ (Heroku's bookkeeping).
export type { HerokuSim, SimOptions, SimManifest, SimCall, SimAddon, SimAddonState, SimLogFrame, SimUser, SsoRequest, IssuedGrant, HeldRequest } from './types.js'
export type {
  PartnerScaling, SimProcessInit, SimRateLimitOptions, SimOAuthClient, SimWebhookOptions, SimActor, SimFormationProcess, SimFormationChange,
  SimFormationUpdate, SimRelease, SimApp, OAuthScope, SimAuthorization, SimWebhook, SimWebhookAttempt, SimWebhookDelivery, RateLimitAccount
} from './types.js'
export { startHerokuSim } from './heroku-sim.js'
export { type HerokuSide, localHerokuSide } from './heroku-side.js'
export { connectHerokuSim } from './control/remote-sim.js'
export { type HerokuDriver, type HerokuDriverOptions, type DriverRequest, type DriverResult, type ProvisionOptions, type ProvisionResult, createHerokuDriver } from './partner-api/heroku-driver.js'
export { HEROKU_PARTNER_ACCEPT, HEROKU_PARTNER_HEADERS, HEROKU_PARTNER_USER_AGENT, herokuBasicAuth } from './partner-api/partner-headers.js'
export { provisionAnswerProblem, planChangeAnswerProblem } from './partner-api/provider-response-check.js'
export { readAnswer, type AnsweredVerb, type ProviderAnswer } from './model/answer-reading.js'
export { buildSsoRequest, type SsoRequestOptions } from './addons-sso/sso-request.js'
export { resourceToken, userScopedResourceToken, legacyToken } from './addons-sso/sso-tokens.js'
export { SimError } from './errors.js'
export { LogplexParseError, parseLogplexBody, parseDrainBody, parseDrainFrame, type DrainFrame } from './logplex/logplex-parser.js'
export { HEROKU_ACCEPT } from './platform-api/platform-api-routes.js'
export { createDrainSender, drainTimestamp, encodeDrainFrame, type DrainSender, type DrainSenderOptions, type DrainSenderCounters, type DrainLine, type DrainBatchRecord } from './logplex/drain-sender.js'
export { OAUTH_SCOPES } from './model/oauth-scopes.js'
export { signWebhookBody, verifyWebhookSignature } from './webhooks/webhook-signature.js'
export { herokuWebhookRetryDelaysMs } from './webhooks/retry-schedule.js'
export { type AppModel, type AppModelState, type AppStep, type RouterRequest, ROUTER_TIMEOUT_MS, initialAppState, routerLinesFor, stepApp, webDynosOf } from './app-model/app-model.js'
export { type RouterRequestFields, formatRouterLine } from './app-model/router-lines.js'
export { type Rng, createRng } from './app-model/seeded-rng.js'
export { erlangC, meanWaitSeconds, utilization } from './app-model/queueing.js'
export { type AppTraffic, type AppTrafficOptions, startAppTraffic } from './app-model/app-traffic.js'
