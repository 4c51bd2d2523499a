// How the autoscaler reaches one add-on's app through the Platform API (protocol §21): which
// token (a connected user's, else the add-on's own), which app (read once from
// GET /addons/{uuid}), and the account's rate limit (packages/autoscale rate-budget.ts):
// every answer's RateLimit-Remaining is kept, a 429 stops all calls until it has passed,
// a 403 on the add-on's token means the customer must connect a Heroku account, and a token
// Heroku no longer honours (the grant refused, the refresh refused: an add-on Heroku forgot)
// is shown on the page and asked about again only every TOKEN_REFUSED_RETRY_MS.
import type { Db } from '@addonkit/db'
import { mayCall, rateLimitedUntil } from '@addonkit/autoscale'
import { loadApp, saveApp, type AppRecord } from '@addonkit/lifecycle'
import { PlatformApiError, PlatformErrorCode, type AppClient, type Formation, type WithRateLimit } from '@addonkit/platform-api'
import type { PlatformTokens } from '../platform-tokens.js'
import { PermanentOperationError } from '../operations/runner.js'
import type { UserTokens } from './user-tokens.js'

export type BlockKind = 'rate_limited' | 'needs_authorization' | 'refused' | 'unavailable'

/** Why the autoscaler cannot act now, in words for the customer. */
export class AppAccessBlocked extends Error {
  readonly code = 'ALLOC_AUTOSCALE_BLOCKED'
  constructor (readonly kind: BlockKind, message: string, readonly retryAt?: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AppAccessBlocked'
  }
}

/** How long a refused token is left alone before Heroku is asked again. */
export const TOKEN_REFUSED_RETRY_MS = 5 * 60_000

export interface AppAccessDeps {
  db: Db
  apps: AppClient
  partner: PlatformTokens
  users: UserTokens
  rateShare: number
  now?: () => number
}

export class AppAccess {
  readonly #d: AppAccessDeps
  /** Add-ons whose token Heroku refused: the refusal, and when to ask again. */
  readonly #refused = new Map<string, AppAccessBlocked>()
  constructor (deps: AppAccessDeps) { this.#d = deps }

  #now (): number { return this.#d.now?.() ?? Date.now() }

  /** The app's id, read once. */
  async appId (uuid: string): Promise<string> {
    const known = await loadApp(this.#d.db, uuid)
    if (known?.appId) return known.appId
    const r = await this.#limited(uuid, known, (t) => this.#d.apps.addonApp(uuid, t), 'partner')
    await saveApp(this.#d.db, uuid, { appId: r.id, appName: r.name })
    return r.id
  }

  async formation (uuid: string): Promise<Formation[]> {
    const app = await this.appId(uuid)
    return this.#limited(uuid, await loadApp(this.#d.db, uuid), (t) => this.#d.apps.formation(app, t))
  }

  async scale (uuid: string, type: string, quantity: number): Promise<Formation> {
    const app = await this.appId(uuid)
    return this.#limited(uuid, await loadApp(this.#d.db, uuid), (t) => this.#d.apps.scale(app, type, quantity, t))
  }

  async #limited<T> (uuid: string, app: AppRecord | null, fn: (token: string) => Promise<WithRateLimit<T>>, only?: 'partner'): Promise<T> {
    const now = this.#now()
    try {
      return await this.#call(uuid, app, fn, now, only)
    } catch (err) {
      if (!(err instanceof PermanentOperationError)) throw err
      // No token to call with: a retry every round would only spend POST /oauth/token calls.
      const retryAt = now + TOKEN_REFUSED_RETRY_MS
      const blocked = new AppAccessBlocked('refused', `${err.message}; asking again at ${new Date(retryAt).toISOString()}`, retryAt, { cause: err })
      this.#refused.set(uuid, blocked)
      throw blocked
    }
  }

  async #call<T> (uuid: string, app: AppRecord | null, fn: (token: string) => Promise<WithRateLimit<T>>, now: number, only?: 'partner'): Promise<T> {
    const blockedUntil = app?.rateLimitedUntil?.getTime() ?? null
    if (blockedUntil !== null && now < blockedUntil) {
      throw new AppAccessBlocked('rate_limited', `Heroku's rate limit for this account is (nearly) used up; asking again at ${new Date(blockedUntil).toISOString()}`, blockedUntil)
    }
    const user = only === 'partner' ? null : await this.#d.users.accessToken(uuid)
    const kind = user ? 'user' : 'partner'
    if (!user) {
      // A connected account is used at once; the add-on's refused token waits its turn.
      const refused = this.#refused.get(uuid)
      if (refused && now < refused.retryAt!) throw refused
      this.#refused.delete(uuid)
    }
    const verdict = mayCall({ remaining: app?.rateLimitRemaining ?? null, blockedUntil: null }, this.#d.rateShare, now)
    if (!verdict.ok) {
      // Too few calls were left: ask Heroku how many are now (this call costs none, §21.2).
      const remaining = user ? await this.#d.apps.rateLimit(user) : await this.#d.partner.call(uuid, (t) => this.#d.apps.rateLimit(t))
      const again = mayCall({ remaining, blockedUntil: null }, this.#d.rateShare, now)
      if (!again.ok) {
        const until = rateLimitedUntil(now)
        await saveApp(this.#d.db, uuid, { rateLimitRemaining: remaining, rateLimitedUntil: new Date(until) })
        throw new AppAccessBlocked('rate_limited', again.reason, until)
      }
      await saveApp(this.#d.db, uuid, { rateLimitRemaining: remaining, rateLimitedUntil: null })
    }
    try {
      const r = user ? await fn(user) : await this.#d.partner.call(uuid, fn)
      await saveApp(this.#d.db, uuid, { rateLimitRemaining: r.rateLimitRemaining, rateLimitedUntil: null, ...(only ? {} : { authorization: kind }) })
      return r.value
    } catch (err) {
      if (!(err instanceof PlatformApiError)) throw err
      if (err.code === PlatformErrorCode.RATE_LIMITED) {
        const until = rateLimitedUntil(this.#now(), err.retryAfterMs)
        await saveApp(this.#d.db, uuid, { rateLimitRemaining: 0, rateLimitedUntil: new Date(until) })
        throw new AppAccessBlocked('rate_limited', `Heroku answered 429 (rate limit): no calls until ${new Date(until).toISOString()}`, until, { cause: err })
      }
      if (err.rateLimitRemaining !== undefined) await saveApp(this.#d.db, uuid, { rateLimitRemaining: err.rateLimitRemaining })
      if (err.status === 403) {
        if (kind === 'partner' && !only) {
          await saveApp(this.#d.db, uuid, { authorization: 'needs_user' })
          throw new AppAccessBlocked('needs_authorization', `Heroku refused the add-on's own token for this (${err.herokuMessage ?? 'forbidden'}): connect a Heroku account with the "write" scope on the dashboard's Autoscaling page`, undefined, { cause: err })
        }
        throw new AppAccessBlocked('needs_authorization', `Heroku refused the connected account's token (${err.herokuMessage ?? 'forbidden'}): connect an account that may scale this app`, undefined, { cause: err })
      }
      if (err.status !== undefined && err.status >= 400 && err.status < 500) {
        throw new AppAccessBlocked('refused', err.herokuMessage ?? err.message, undefined, { cause: err })
      }
      throw new AppAccessBlocked('unavailable', `the Platform API did not answer: ${err.message}`, undefined, { cause: err })
    }
  }
}
