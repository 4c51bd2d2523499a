// Heroku's bookkeeping in the sim: add-ons and the apps they belong to, users, tokens
// (model/token-store.ts), per-add-on log input credentials, the rate-limit buckets, the
// add-on webhook subscriptions and their deliveries. Every route and the HerokuSim object
// read and change the same SimState.
import { randomUUID } from 'node:crypto'
import type { IssuedGrant, PartnerScaling, RateLimitAccount, SimActor, SimAddon, SimApp, SimOAuthClient, SimOptions, SimUser, SimWebhook } from '../types.js'
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js'
import { herokuWebhookRetryDelaysMs } from '../webhooks/retry-schedule.js'
import { webhookEvent } from '../webhooks/webhook-events.js'
import { AppStore, DEFAULT_FORMATION, type AppEvent } from './app-store.js'
import { RateLimiter } from './rate-limits.js'
import { TokenStore, type Principal } from './token-store.js'

export class SimState {
  readonly addons = new Map<string, SimAddon>()
  /** The sim's own base URL, known once it listens. */
  url = ''
  readonly tokens: TokenStore
  readonly appStore: AppStore
  readonly users = new Map<string, SimUser>()
  readonly rateLimiter: RateLimiter
  readonly webhooks = new Map<string, SimWebhook>()
  /** Which add-on each webhook (even a deleted one) belonged to, for its delivery list. */
  readonly webhookOwners = new Map<string, string>()
  readonly dispatcher: WebhookDispatcher
  partnerScaling: PartnerScaling
  oauthClient: SimOAuthClient | undefined
  /**
   * The add-on service's own Heroku account: the actor of what a partner token changes.
   * Heroku's release example names `heroku-postgresql@addons.heroku.com` (webhooks-docs).
   */
  readonly serviceActor: SimActor
  #signedIn: SimUser | undefined
  #lastOwner: SimUser | undefined
  readonly #logTokens = new Map<string, string>()

  constructor (readonly options: SimOptions) {
    this.tokens = new TokenStore((options.grantTtlSeconds ?? 300) * 1000, options.accessTokenTtlSeconds ?? 28_800)
    this.appStore = new AppStore(options.formation ?? DEFAULT_FORMATION, (e) => this.#publish(e))
    this.rateLimiter = new RateLimiter({ capacity: options.rateLimit?.capacity ?? 4500, refillPerMinute: options.rateLimit?.refillPerMinute ?? 75 })
    this.dispatcher = new WebhookDispatcher({
      retryDelaysMs: options.webhooks?.retryDelaysMs ?? herokuWebhookRetryDelaysMs(),
      timeoutMs: options.webhooks?.timeoutMs ?? 10_000,
      userAgent: options.webhooks?.userAgent ?? 'heroku-webhooks/1.0 (heroku-sim)'
    }, (id) => this.webhooks.get(id))
    this.partnerScaling = options.partnerScaling ?? 'allowed'
    this.oauthClient = options.oauthClient
    this.serviceActor = { id: randomUUID(), email: `${options.manifest.id}@addons.heroku.com` }
  }

  /** Where SSO forms post: the provider's sso_url (read each time: a test may fill the manifest in late). */
  get ssoUrl (): string {
    return this.options.ssoUrl ?? this.options.manifest.api.test.sso_url
  }

  get accessTtlSeconds (): number { return this.tokens.accessTtlSeconds }

  get apps (): Map<string, SimApp> { return this.appStore.apps }

  registerAddon (uuid: string, init: { plan?: string, name?: string, region?: string, app?: string } = {}): SimAddon {
    const known = this.addons.get(uuid)
    if (known) return known
    const short = uuid.replace(/-/g, '').slice(0, 8)
    const app = (init.app !== undefined ? this.appStore.find(init.app) : undefined) ??
      this.appStore.create(init.app ?? `sim-app-${short}`, this.#user({ id: randomUUID(), email: `owner-${short}@heroku-sim.example.com` }))
    const addon: SimAddon = {
      uuid,
      name: init.name ?? `${this.options.manifest.id}-sim-${short}`,
      plan: init.plan ?? 'test',
      region: init.region ?? 'amazon-web-services::us-east-1',
      state: 'provisioning',
      config: {},
      logLines: [],
      logFrames: [],
      releases: 0,
      app: { id: app.id, name: app.name },
      owner: app.owner,
      // Sent at provisioning when the add-on requires syslog_drain (protocol §4.1, §11.1).
      logDrainToken: `d.${randomUUID()}`
    }
    this.addons.set(uuid, addon)
    this.#lastOwner = app.owner
    return addon
  }

  issueGrant (uuid: string, opts: { expired?: boolean } = {}): IssuedGrant {
    return this.tokens.issueGrant(uuid, opts)
  }

  expireAccessTokens (): void {
    this.tokens.expireAll()
  }

  forgetAddonTokens (uuid: string): void {
    this.tokens.forgetAddon(uuid)
  }

  /** The add-on's page on Heroku's SSO host (`web_url`, protocol §10.1), served by the sim. */
  webUrl (addon: SimAddon): string {
    return `${this.url}/addons-sso/apps/${addon.app.id}/addons/${addon.uuid}`
  }

  /** The log input password (`t.<token uuid>`) of an add-on, created on first use. */
  logToken (uuid: string): string {
    for (const [token, owner] of this.#logTokens) if (owner === uuid) return token
    const token = `t.${randomUUID()}`
    this.#logTokens.set(token, uuid)
    return token
  }

  logTokenOwner (token: string): string | undefined {
    return this.#logTokens.get(token)
  }

  /** By id or email. */
  findUser (idOrEmail: string): SimUser | undefined {
    const byId = this.users.get(idOrEmail)
    if (byId) return byId
    for (const u of this.users.values()) if (u.email.toLowerCase() === idOrEmail.toLowerCase()) return u
    return undefined
  }

  /** Who the authorize endpoint approves as (HerokuSim.signIn); a new email makes a new user. */
  signIn (idOrEmail: string): SimUser {
    const user = this.findUser(idOrEmail) ?? (idOrEmail.includes('@') ? this.#user({ id: randomUUID(), email: idOrEmail }) : undefined)
    if (!user) throw new Error(`no user ${idOrEmail} (sign in by a known id, or by an email)`)
    this.#signedIn = user
    return user
  }

  /** The signed-in user, else the owner of the most recently registered add-on. */
  approvingUser (): SimUser | undefined {
    return this.#signedIn ?? this.#lastOwner
  }

  /**
   * Whose bucket a principal spends (protocol §21.2, "per account"): a user's account; for a
   * partner token its add-on resource, or the whole add-on service (`rateLimit.partnerAccount`).
   */
  rateLimitAccount (who: Principal | RateLimitAccount): string {
    if ('kind' in who) return who.kind === 'user' ? `user:${who.userId}` : this.#partnerAccount(who.uuid)
    if ('addon' in who) return this.#partnerAccount(who.addon)
    return `user:${this.findUser(who.user)?.id ?? who.user}`
  }

  /** The actor a principal's changes carry in history and webhooks. */
  actorOf (principal: Principal): SimActor {
    if (principal.kind === 'partner') return { ...this.serviceActor }
    const user = this.users.get(principal.userId)
    return { id: principal.userId, email: user?.email ?? '' }
  }

  /** A release for an add-on's config change (§9.5): "Update ACME_LOGS by acme-logs", as Heroku words it. */
  addonConfigRelease (addon: SimAddon): void {
    const app = this.apps.get(addon.app.id)
    if (!app) return
    const service = this.options.manifest.id
    this.appStore.release(app, `Update ${service.toUpperCase().replace(/-/g, '_')} by ${service}`, { ...this.serviceActor }, this.planNames(app))
  }

  /** `service:plan` of every add-on on the app. */
  planNames (app: SimApp): string[] {
    const service = this.options.manifest.id
    return [...this.addons.values()].filter((a) => a.app.id === app.id && a.state !== 'deprovisioned').map((a) => `${service}:${a.plan}`)
  }

  #partnerAccount (uuid: string): string {
    return this.options.rateLimit?.partnerAccount === 'service' ? `service:${this.options.manifest.id}` : `addon:${uuid}`
  }

  #user (user: SimUser): SimUser {
    this.users.set(user.id, user)
    return user
  }

  /** Sends an app's event to the subscriptions of the add-ons still on that app that include it. */
  #publish (e: AppEvent): void {
    const hooks = [...this.webhooks.values()].filter((h) => {
      const addon = this.addons.get(h.addon.id)
      return addon !== undefined && addon.app.id === e.app.id && addon.state !== 'deprovisioned' && h.include.includes(e.include)
    })
    if (hooks.length > 0) this.dispatcher.publish(webhookEvent(e), hooks)
  }
}
