// The simulator's public shapes: its options, the calls it records and the add-ons it keeps.
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
   * manifest, spec §2.2). The control API tells them to a Heroku played from another
   * process, e.g. `addonkit check`.
   */
  plans?: string[]
  /** Where the SSO page posts its form; default the manifest's `api.test.sso_url`. */
  ssoUrl?: string
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
  /** The Heroku user who owns the app: who opens the dashboard through SSO (spec §10.2). */
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

/**
 * What Heroku's SSO host posts to the provider (spec §10.1, §10.2), as the Platform API's
 * `GET /addons/{addon}/sso` describes it: the method, the target and the form fields.
 */
export interface SsoRequest {
  method: 'post'
  action: string
  params: Record<string, string>
}

export interface IssuedGrant {
  code: string
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
  /** Records an add-on Heroku is creating (state `provisioning`); returns the existing one if known. */
  registerAddon (uuid: string, init?: { plan?: string, name?: string, region?: string }): SimAddon
  issueGrant (uuid: string, opts?: { expired?: boolean }): IssuedGrant
  expireAccessTokens (): void
  failNext (pathPattern: RegExp, times: number, status?: number): void
  hold (pathPattern: RegExp): HeldRequest
  logInputUrl (uuid: string): string
  /** A fresh SSO form for the add-on's owner (spec §10.2); throws SimError for an unknown add-on. */
  ssoRequest (uuid: string, opts?: { timestamp?: number, extra?: Record<string, string> }): SsoRequest
  /** The add-on's `web_url`: the sim's SSO page that posts the form (what `heroku addons:open` opens). */
  webUrl (uuid: string): string
  close (): Promise<void>
}
