// The Heroku a driver plays through: Heroku's own bookkeeping (add-ons, grant codes, log
// input URLs, SSO forms, the calls a provider made to it) behind one asynchronous
// interface, so the same driver and the same checks run against a simulator in this
// process (`localHerokuSide`) or one served by another process's control API
// (`connectHerokuSim`, control/remote-sim.ts), such as the one `npm start` runs. The app
// side (formation, rate limits, user OAuth, webhooks; protocol §21) is there too, for tests of
// an autoscaler against either.
import { readAnswer, type AnsweredVerb, type ProviderAnswer } from './model/answer-reading.js'
import type { SsoRequestOptions } from './addons-sso/sso-request.js'
import type {
  HerokuSim, IssuedGrant, PartnerScaling, RateLimitAccount, SimAddon, SimApp, SimCall, SimFormationProcess, SimFormationUpdate,
  SimManifest, SimOAuthClient, SimRelease, SimUser, SimWebhookAttempt, SimWebhookDelivery, SsoRequest
} from './types.js'

export interface HerokuSide {
  /** Base URL of the sim; `apiUrl` and `idUrl` are what the provider must be configured with. */
  readonly url: string
  readonly apiUrl: string
  readonly idUrl: string
  /** The manifest's add-on id. */
  readonly addonId: string
  /** Plan slugs the sim was told (the Partner Portal's plans), possibly none. */
  readonly plans: string[]
  /** Where SSO forms post. */
  readonly ssoUrl: string
  registerAddon (uuid: string, init?: { plan?: string, name?: string, region?: string, app?: string }): Promise<SimAddon>
  issueGrant (uuid: string, opts?: { expired?: boolean }): Promise<IssuedGrant>
  logInputUrl (uuid: string): Promise<string>
  addon (uuid: string): Promise<SimAddon | undefined>
  /** Heroku's reading of a provider's answer (model/answer-reading.ts); why it rejects it, if it does. */
  readAnswer (uuid: string, verb: AnsweredVerb, answer: ProviderAnswer, plan?: string): Promise<string | undefined>
  /** A fresh SSO form for the add-on's owner, as Heroku's SSO host would post it. */
  ssoRequest (uuid: string, opts?: SsoRequestOptions): Promise<SsoRequest>
  /** The requests made to the sim from index `since` on, and the index to ask from next. */
  calls (since?: number): Promise<{ calls: SimCall[], next: number }>
  /** Delays the next request whose path matches by `ms`. */
  delay (pathPattern: RegExp, ms: number): Promise<void>
  failNext (pathPattern: RegExp, times: number, status?: number): Promise<void>
  /** The app (owner, formation, formationHistory, releases) by id or name; undefined if unknown. */
  app (idOrName: string): Promise<SimApp | undefined>
  /** Scales as `heroku ps:scale` would (actor: the owner); throws SimError `SIM_INVALID_FORMATION` if Heroku would refuse. */
  scaleByHand (app: string, updates: SimFormationUpdate | SimFormationUpdate[]): Promise<SimFormationProcess[]>
  /** A deploy (actor: the owner) and its `api:release` webhooks. */
  simulateRelease (app: string, opts?: { description?: string }): Promise<SimRelease>
  setPartnerScaling (mode: PartnerScaling): Promise<void>
  rateLimitRemaining (account: RateLimitAccount): Promise<number>
  setRateLimitRemaining (account: RateLimitAccount, remaining: number): Promise<void>
  /** Who /oauth/authorize approves as (id or email; a new email makes a new user). */
  signIn (user: string): Promise<SimUser>
  setOAuthClient (client: SimOAuthClient): Promise<void>
  /** Webhook deliveries from index `since` on, with their attempts, and the index to ask from next. */
  webhookDeliveries (since?: number): Promise<{ deliveries: SimWebhookDelivery[], next: number }>
  /** One more attempt of a delivery now (same event id, new attempt id). */
  redeliverWebhook (deliveryId: string): Promise<SimWebhookAttempt>
  /** Releases what this handle holds (a remote connection holds nothing). */
  close (): Promise<void>
}

/** A HerokuSide over a simulator running in this process. */
export function localHerokuSide (sim: HerokuSim, manifest: SimManifest = sim.manifest): HerokuSide {
  return {
    url: sim.url,
    apiUrl: sim.apiUrl,
    idUrl: sim.idUrl,
    addonId: manifest.id,
    plans: sim.plans,
    ssoUrl: sim.ssoUrl,
    registerAddon: async (uuid, init) => sim.registerAddon(uuid, init),
    issueGrant: async (uuid, opts) => sim.issueGrant(uuid, opts),
    logInputUrl: async (uuid) => sim.logInputUrl(uuid),
    addon: async (uuid) => sim.addons.get(uuid),
    readAnswer: async (uuid, verb, answer, plan) => readAnswer(manifest, sim.addons.get(uuid), verb, answer, plan),
    ssoRequest: async (uuid, opts) => sim.ssoRequest(uuid, opts),
    calls: async (since = 0) => ({ calls: sim.calls.slice(since), next: sim.calls.length }),
    async delay (pattern, ms) {
      const held = sim.hold(pattern)
      void held.arrived.then(() => setTimeout(() => held.release(), ms))
    },
    failNext: async (pattern, times, status) => sim.failNext(pattern, times, status),
    app: async (idOrName) => [...sim.apps.values()].find((a) => a.id === idOrName || a.name === idOrName),
    scaleByHand: async (app, updates) => sim.scaleByHand(app, updates),
    simulateRelease: async (app, opts) => sim.simulateRelease(app, opts),
    setPartnerScaling: async (mode) => sim.setPartnerScaling(mode),
    rateLimitRemaining: async (account) => sim.rateLimitRemaining(account),
    setRateLimitRemaining: async (account, remaining) => sim.setRateLimitRemaining(account, remaining),
    signIn: async (user) => sim.signIn(user),
    setOAuthClient: async (client) => sim.setOAuthClient(client),
    webhookDeliveries: async (since = 0) => ({ deliveries: sim.webhookDeliveries.slice(since), next: sim.webhookDeliveries.length }),
    redeliverWebhook: (deliveryId) => sim.redeliverWebhook(deliveryId),
    close: async () => {}
  }
}
