// Heroku's bookkeeping in the sim: add-ons, single-use grant codes, access and refresh
// tokens bound to one add-on, and per-add-on log input credentials. Tokens stay valid after
// the add-on is deprovisioned; the API then refuses changes with 422 (platform-api-routes.ts).
import { randomUUID } from 'node:crypto'
import type { IssuedGrant, SimAddon, SimOptions } from '../types.js'

interface Grant { uuid: string, expiresAt: number, used: boolean }
interface AccessToken { uuid: string, expiresAt: number }

export type TokenCheck = { ok: true, uuid: string } | { ok: false, reason: 'missing' | 'unknown' | 'expired' }

export class SimState {
  readonly addons = new Map<string, SimAddon>()
  /** The sim's own base URL, known once it listens. */
  url = ''

  readonly #grants = new Map<string, Grant>()
  readonly #accessTokens = new Map<string, AccessToken>()
  readonly #refreshTokens = new Map<string, string>()
  readonly #logTokens = new Map<string, string>()
  readonly #grantTtlMs: number
  readonly #accessTtlSeconds: number

  constructor (readonly options: SimOptions) {
    this.#grantTtlMs = (options.grantTtlSeconds ?? 300) * 1000
    this.#accessTtlSeconds = options.accessTokenTtlSeconds ?? 28_800
  }

  /** Where SSO forms post: the provider's sso_url (read each time: a test may fill the manifest in late). */
  get ssoUrl (): string {
    return this.options.ssoUrl ?? this.options.manifest.api.test.sso_url
  }

  get accessTtlSeconds (): number { return this.#accessTtlSeconds }

  registerAddon (uuid: string, init: { plan?: string, name?: string, region?: string } = {}): SimAddon {
    const known = this.addons.get(uuid)
    if (known) return known
    const short = uuid.replace(/-/g, '').slice(0, 8)
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
      app: { id: randomUUID(), name: `sim-app-${short}` },
      owner: { id: randomUUID(), email: `owner-${short}@heroku-sim.example.com` },
      // Sent at provisioning when the add-on requires syslog_drain (spec §4.1, §11.1).
      logDrainToken: `d.${randomUUID()}`
    }
    this.addons.set(uuid, addon)
    return addon
  }

  issueGrant (uuid: string, opts: { expired?: boolean } = {}): IssuedGrant {
    const code = randomUUID()
    const expiresAt = opts.expired === true ? Date.now() - 60_000 : Date.now() + this.#grantTtlMs
    this.#grants.set(code, { uuid, expiresAt, used: false })
    return { code, expires_at: new Date(expiresAt).toISOString(), type: 'authorization_code' }
  }

  /** Consumes a grant code; the add-on uuid it was issued for, or why it is refused. */
  redeemGrant (code: string): { uuid: string } | { problem: string } {
    const grant = this.#grants.get(code)
    if (!grant) return { problem: 'unknown grant code' }
    if (grant.used) return { problem: 'grant code already used' }
    if (grant.expiresAt <= Date.now()) return { problem: 'grant code expired' }
    grant.used = true
    return { uuid: grant.uuid }
  }

  /** Mints an access token; the refresh token is minted once per authorization and reused. */
  mintTokens (uuid: string, refreshToken: string = randomUUID()): { accessToken: string, refreshToken: string } {
    const accessToken = randomUUID()
    this.#accessTokens.set(accessToken, { uuid, expiresAt: Date.now() + this.#accessTtlSeconds * 1000 })
    this.#refreshTokens.set(refreshToken, uuid)
    return { accessToken, refreshToken }
  }

  refreshTokenOwner (refreshToken: string): string | undefined {
    return this.#refreshTokens.get(refreshToken)
  }

  checkAccessToken (token: string | undefined): TokenCheck {
    if (token === undefined || token === '') return { ok: false, reason: 'missing' }
    const found = this.#accessTokens.get(token)
    if (!found) return { ok: false, reason: 'unknown' }
    if (found.expiresAt <= Date.now()) return { ok: false, reason: 'expired' }
    return { ok: true, uuid: found.uuid }
  }

  expireAccessTokens (): void {
    const past = Date.now() - 1000
    for (const t of this.#accessTokens.values()) t.expiresAt = past
  }


  /** The add-on's page on Heroku's SSO host (`web_url`, spec §10.1), served by the sim. */
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
}
