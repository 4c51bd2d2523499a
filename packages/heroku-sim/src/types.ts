// The simulator's public shapes: its options, the calls it records, the add-ons it keeps,
// and the app side (apps and their formation, user OAuth, webhooks; protocol §21).
import type { IncomingHttpHeaders } from 'node:http'

export interface SimManifest {
  id: string
  api: {
    config_vars: string[]
    password: string
    sso_salt: string
    production: { base_url: string, sso_url: string }
    test: { base_url: string, sso_url: string }
    requires?: string[]
  }
}

export interface SimOptions {
  /** The add-on's OAuth client secret; /oauth/token answers 401 to anything else. */
  clientSecret: string
  manifest: SimManifest
  /** Default 0 (any free port); the sim listens on 127.0.0.1. */
  port?: number
  /** Lifetime of grant codes from issueGrant. Default 300 (Heroku's ~5 minutes, §4.1). */
  grantTtlSeconds?: number
  /** Lifetime of access tokens. Default 28800 (8 h, §6.1). */
  accessTokenTtlSeconds?: number
  /** Serve the control API under /_sim/ (for a Heroku played from another process). */
  control?: boolean
  /**
   * The add-on's plan slugs as the Partner Portal knows them (plans are not in the
   * manifest, protocol §2.2). The control API tells them to a Heroku played from another
   * process, e.g. `addonkit check`.
   */
  plans?: string[]
  /** Where the SSO page posts its form; default the manifest's `api.test.sso_url`. */
  ssoUrl?: string
  /**
   * The process types every new app starts with (protocol §21.1). Default `web` × 1 and
   * `worker` × 0, both `standard-1X`.
   */
  formation?: SimProcessInit[]
  /**
   * Whether the add-on's partner token may PATCH its app's formation. The protocol
   * reference leaves it open (§21.3, [UNCONFIRMED]); default 'allowed'. Under 'forbidden'
   * such a PATCH gets 403 `forbidden` (reading the formation stays allowed).
   */
  partnerScaling?: PartnerScaling
  /** The Platform API's per-account token bucket (protocol §21.2). */
  rateLimit?: SimRateLimitOptions
  /**
   * A third-party OAuth client that users authorize at /id/oauth/authorize (protocol §21.3),
   * e.g. the provider's "connect your Heroku account" flow. Can also be set later with
   * `setOAuthClient`.
   */
  oauthClient?: SimOAuthClient
  /** How the sim delivers add-on webhooks (protocol §21.4). */
  webhooks?: SimWebhookOptions
}

export type PartnerScaling = 'allowed' | 'forbidden'

export interface SimProcessInit {
  type: string
  quantity: number
  /** Default `standard-1X`. */
  size?: string
  /** Default `npm start` for web, `node <type>.js` otherwise. */
  command?: string
}

export interface SimRateLimitOptions {
  /** Tokens a full bucket holds; default 4,500 (§21.2). */
  capacity?: number
  /** Tokens added per minute, continuously; default 75 (§21.2). */
  refillPerMinute?: number
  /**
   * Whose bucket an add-on's partner token spends. 'addon' (default): each add-on
   * resource's authorization is an account of its own (§6: "each provisioned resource
   * gets its own authorization"). 'service': every resource of the add-on service shares
   * one bucket (the pessimistic reading, for a provider polling many apps).
   */
  partnerAccount?: 'addon' | 'service'
}

export interface SimOAuthClient {
  /** The client's id, sent as `client_id` to the authorize endpoint. */
  id: string
  /** Its secret at the token endpoint; default the sim's `clientSecret`. */
  secret?: string
  /** Where the authorize endpoint may send the browser back; the first is the default. */
  redirectUris: string[]
  /** Shown on authorizations; default `heroku-sim OAuth client`. */
  name?: string
}

export interface SimWebhookOptions {
  /**
   * The waits before each retry of a `sync` delivery, in ms; attempts = length + 1.
   * Default Heroku's: doubling from 1 s up to an hour, then hourly, 180 attempts over
   * ~7 days (webhooks-docs README). Tests pass e.g. `[20, 20, 20]`.
   */
  retryDelaysMs?: number[]
  /** How long one attempt may take before it counts as failed; default 10,000 ms ([UNCONFIRMED]). */
  timeoutMs?: number
  /** The User-Agent deliveries carry; default `heroku-webhooks/1.0 (heroku-sim)` ([UNCONFIRMED]). */
  userAgent?: string
  /**
   * Whether the add-on has Heroku's approval for `api:build`, `api:dyno`, `api:formation`
   * and `api:release` (§21.4). Default true; false makes a subscription to them 422.
   */
  restrictedIncludesApproved?: boolean
}

export interface SimCall {
  at: Date
  method: string
  /** Path and query as received, e.g. `/api/addons/<uuid>/config`. */
  path: string
  headers: IncomingHttpHeaders
  /** JSON or form bodies parsed; anything else as a UTF-8 string; undefined when empty. */
  body: unknown
  /** 0 while the request is still being handled (e.g. held). */
  status: number
}

export type SimAddonState = 'provisioning' | 'provisioned' | 'deprovisioning' | 'deprovisioned'

export interface SimLogFrame {
  pri: number
  timestamp: string
  hostname: string
  appName: string
  procId: string
  msgId: string
  structuredData: string
  message: string
}

export interface SimAddon {
  uuid: string
  name: string
  /** Plan slug without the add-on prefix, e.g. `hobby`. */
  plan: string
  region: string
  state: SimAddonState
  /** The app's view of the add-on's config vars. */
  config: Record<string, string>
  /** Messages received on the add-on's log input, in order. */
  logLines: string[]
  /** The same frames, fully parsed. */
  logFrames: SimLogFrame[]
  /** Config changes that restarted the app (changes after the add-on was provisioned, §9.5). */
  releases: number
  app: { id: string, name: string }
  /** The Heroku user who owns the app: who opens the dashboard through SSO (protocol §10.2). */
  owner: SimUser
  /** The `id` the provider returned at provisioning. */
  providerId?: string
  /** The add-on's `log_drain_token`, sent at provisioning when it requires syslog_drain. */
  logDrainToken: string
  /** The `log_drain_url` the provider returned. */
  logDrainUrl?: string
}

export interface SimUser {
  /** The user's UUID, sent as `user_id` and hashed into `user_scoped_resource_token`. */
  id: string
  email: string
}

/** Who made a change, as webhook envelopes name it (`actor {email, id}`, §21.4). */
export interface SimActor {
  id: string
  email: string
}

/** One process type of an app's formation, exactly as the Platform API shows it (§21.1). */
export interface SimFormationProcess {
  id: string
  type: string
  quantity: number
  size: string
  command: string
  app: { id: string, name: string }
  created_at: string
  updated_at: string
}

/** One change to a process type, kept in the app's history for tests (§21.1). */
export interface SimFormationChange {
  at: string
  type: string
  actor: SimActor
  /** Through the add-on's partner token, a user's OAuth token, or by hand (`heroku ps:scale`). */
  via: 'partner' | 'user' | 'manual'
  /** The fields that changed, before the change (the webhook's `previous_data`). */
  previous: { quantity?: number, size?: string }
  quantity: number
  size: string
}

/** A release of the app (a deploy, or a config change by an add-on), as the Platform API shows it. */
export interface SimRelease {
  id: string
  version: number
  description: string
  status: 'succeeded'
  current: boolean
  app: { id: string, name: string }
  user: SimActor
  addon_plan_names: string[]
  slug: null
  created_at: string
  updated_at: string
}

export interface SimApp {
  id: string
  name: string
  owner: SimUser
  formation: SimFormationProcess[]
  /** Every formation change, oldest first. */
  formationHistory: SimFormationChange[]
  releases: SimRelease[]
}

export type OAuthScope = 'global' | 'identity' | 'read' | 'write' | 'read-protected' | 'write-protected'

/** A user's authorization of the OAuth client (the Platform API's oauth-authorization, §21.3). */
export interface SimAuthorization {
  id: string
  client: { id: string, name: string, redirect_uri: string }
  scope: OAuthScope[]
  user: { id: string, email: string, full_name: string | null }
  created_at: string
  updated_at: string
}

/** An add-on webhook subscription as the sim keeps it (the API never shows `secret` or `authorization`). */
export interface SimWebhook {
  id: string
  addon: { id: string, name: string }
  include: string[]
  level: 'notify' | 'sync'
  url: string
  authorization: string | null
  secret: string
  created_at: string
  updated_at: string
}

export interface SimWebhookAttempt {
  id: string
  /** HTTP status of the answer; null when none came (timeout, refused connection). */
  code: number | null
  error_class: string | null
  status: 'succeeded' | 'failed'
  created_at: string
  /** The exact bytes posted (UTF-8 JSON) and the headers sent with them. */
  body: string
  headers: Record<string, string>
}

/** One event's delivery to one webhook, with every attempt (§21.4; the API's webhook-delivery). */
export interface SimWebhookDelivery {
  id: string
  event: { id: string, include: string }
  webhook: { id: string, level: 'notify' | 'sync' }
  status: 'pending' | 'scheduled' | 'retrying' | 'failed' | 'succeeded'
  num_attempts: number
  next_attempt_at: string | null
  created_at: string
  updated_at: string
  attempts: SimWebhookAttempt[]
}

/** Whose rate-limit bucket: an add-on's partner token, or a user's account. */
export type RateLimitAccount = { addon: string } | { user: string }

/** A process type's change: `type` and at least one of quantity and size. */
export interface SimFormationUpdate {
  type: string
  quantity?: number
  size?: string
}

/**
 * What Heroku's SSO host posts to the provider (protocol §10.1, §10.2), as the Platform API's
 * `GET /addons/{addon}/sso` describes it: the method, the target and the form fields.
 */
export interface SsoRequest {
  method: 'post'
  action: string
  params: Record<string, string>
}

export interface IssuedGrant {
  code: string
  /** ISO 8601 to the second with a colon-less offset, as Heroku sends it (§4.1): `2026-12-07T07:01:31+0000`. */
  expires_at: string
  type: 'authorization_code'
}

export interface HeldRequest {
  /** Resolves when the matching request arrives. */
  arrived: Promise<void>
  /** Lets the held request (or, if called early, the next matching one) go on. */
  release (): void
}

export interface HerokuSim {
  /** Base URL of the sim, e.g. http://127.0.0.1:54321. */
  url: string
  /** `${url}/id` — put it in HEROKU_ID_URL; the token endpoint is `${idUrl}/oauth/token`. */
  idUrl: string
  /** `${url}/api` — put it in HEROKU_API_URL; add-ons live at `${apiUrl}/addons/{uuid}`. */
  apiUrl: string
  manifest: SimManifest
  /** The plan slugs given in the options (none by default). */
  plans: string[]
  /** Where SSO forms post: `ssoUrl` option, else the manifest's `api.test.sso_url`. */
  ssoUrl: string
  calls: SimCall[]
  addons: Map<string, SimAddon>
  /**
   * Records an add-on Heroku is creating (state `provisioning`); returns the existing one if
   * known. A new app (owner, default formation) comes with it, unless `app` names a known one.
   */
  registerAddon (uuid: string, init?: { plan?: string, name?: string, region?: string, app?: string }): SimAddon
  issueGrant (uuid: string, opts?: { expired?: boolean }): IssuedGrant
  expireAccessTokens (): void
  /** Forgets the add-on's access and refresh tokens: its next refresh is refused
   * (400 invalid_grant), as for an add-on this Heroku has no record of. */
  forgetAddonTokens (uuid: string): void
  failNext (pathPattern: RegExp, times: number, status?: number): void
  hold (pathPattern: RegExp): HeldRequest
  logInputUrl (uuid: string): string
  /** A fresh SSO form for the add-on's owner (protocol §10.2); throws SimError for an unknown add-on. */
  ssoRequest (uuid: string, opts?: { timestamp?: number, extra?: Record<string, string> }): SsoRequest
  /** The add-on's `web_url`: the sim's SSO page that posts the form (what `heroku addons:open` opens). */
  webUrl (uuid: string): string

  /** Every app, by id (each add-on's `app.id`). */
  apps: Map<string, SimApp>
  /** The app by id or name; throws SimError `SIM_UNKNOWN_APP`. */
  app (idOrName: string): SimApp
  /**
   * Scales as a person would with `heroku ps:scale web=3` (actor: the app's owner): the
   * same checks as the API (throws SimError `SIM_INVALID_FORMATION`), history, webhooks.
   */
  scaleByHand (app: string, updates: SimFormationUpdate | SimFormationUpdate[]): SimFormationProcess[]
  /** A deploy (actor: the owner): a release and its `api:release` webhooks. */
  simulateRelease (app: string, opts?: { description?: string }): SimRelease
  /** Whether partner tokens may PATCH formation (option `partnerScaling`). */
  readonly partnerScaling: PartnerScaling
  setPartnerScaling (mode: PartnerScaling): void
  /** Tokens left in an account's bucket (refilled up to now). */
  rateLimitRemaining (account: RateLimitAccount): number
  /** Sets an account's bucket, e.g. 0 to get 429 on the next request; it refills from there. */
  setRateLimitRemaining (account: RateLimitAccount, remaining: number): void
  /** Users known to the sim (app owners and anyone signed in), by id. */
  users: Map<string, SimUser>
  /**
   * Who the authorize endpoint approves as, as if signed in to id.heroku.com in the browser:
   * a known user's id or email, or a new email (a user who owns nothing). Without it, the
   * owner of the most recently registered add-on.
   */
  signIn (user: string): SimUser
  readonly oauthClient: SimOAuthClient | undefined
  setOAuthClient (client: SimOAuthClient): void
  /** Users' live authorizations of the OAuth client, by id. */
  authorizations: Map<string, SimAuthorization>
  /** Add-on webhook subscriptions, by id. */
  webhooks: Map<string, SimWebhook>
  /** Every webhook delivery, oldest first, with its attempts. */
  webhookDeliveries: SimWebhookDelivery[]
  /**
   * Sends a delivery once more now: same event id and delivery id, a new attempt id (a
   * duplicate, as when Heroku missed the receiver's 2xx). Resolves with the attempt.
   */
  redeliverWebhook (deliveryId: string): Promise<SimWebhookAttempt>
  /** Resolves when no delivery is pending or waiting for a retry. */
  webhooksIdle (): Promise<void>
  close (): Promise<void>
}
