// The Platform API calls that manage the customer's app (protocol §21): its formation (read
// and change dyno counts), the account's rate limit, add-on webhooks, and revoking a
// user's authorization. A 429 is not retried here: the caller stops calling until the
// limit recovers. Every answer reports the `RateLimit-Remaining` Heroku sent with it.
import { type PlatformClientOptions, resolveClientOptions } from './client-options.js'
import { PlatformApiError, PlatformErrorCode } from './errors.js'
import { HEROKU_ACCEPT } from './platform-client.js'
import { rateLimitRemaining, readJson, sendWithRetries } from './send-with-retries.js'

export interface Formation {
  id?: string
  type: string
  quantity: number
  size: string
  updated_at?: string
}

export interface AddonWebhook {
  id: string
  include: string[]
  level: 'notify' | 'sync'
  url: string
}

/** A value and the rate-limit tokens Heroku said were left after the call. */
export interface WithRateLimit<T> {
  value: T
  rateLimitRemaining: number | null
}

export interface AppClient {
  /** GET /addons/{uuid}: the app the add-on belongs to. */
  addonApp (uuid: string, token: string): Promise<WithRateLimit<{ id: string, name: string }>>
  /** GET /apps/{app}/formation. */
  formation (app: string, token: string): Promise<WithRateLimit<Formation[]>>
  /** PATCH /apps/{app}/formation/{type} with {quantity}. */
  scale (app: string, type: string, quantity: number, token: string): Promise<WithRateLimit<Formation>>
  /** GET /account/rate-limits: tokens left (this call costs none). */
  rateLimit (token: string): Promise<number>
  /** POST /addons/{uuid}/webhooks. */
  createAddonWebhook (uuid: string, token: string, body: { include: string[], level: 'notify' | 'sync', url: string, secret: string, authorization?: string }): Promise<AddonWebhook>
  /** GET /oauth/authorizations: the token's user's authorizations (to find the one of an OAuth client). */
  authorizations (token: string): Promise<Array<{ id: string, client: { id: string } | null }>>
  /** DELETE /oauth/authorizations/{id}: a user's authorization, revoked (its tokens stop working). */
  revokeAuthorization (id: string, token: string): Promise<void>
}

export function createAppClient (options: PlatformClientOptions): AppClient {
  const opts = resolveClientOptions(options)
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await sendWithRetries({
      method,
      url: new URL(opts.apiUrl + path),
      headers: { Authorization: `Bearer ${token}`, Accept: HEROKU_ACCEPT, 'Content-Type': 'application/json', 'User-Agent': opts.userAgent },
      ...(method === 'GET' ? {} : { body: Buffer.from(body === undefined ? '' : JSON.stringify(body)) }),
      timeoutMs: opts.timeoutMs
    }, { maxAttempts: opts.maxAttempts, baseDelayMs: opts.baseDelayMs, observe: opts.observe, what: `${method} ${path.replace(/\/apps\/[^/]+/, '/apps/{app}')}`, retry429: false })
    return { json: readJson(res, `${method} ${path}`), remaining: rateLimitRemaining(res) ?? null }
  }
  const bad = (what: string) => new PlatformApiError(PlatformErrorCode.BAD_RESPONSE, `${what}: the answer is not what the Platform API promises`, { retryable: false })
  const isFormation = (f: unknown): f is Formation => f !== null && typeof f === 'object' && typeof (f as Formation).type === 'string' && Number.isInteger((f as Formation).quantity)
  const app = (name: string) => encodeURIComponent(name)
  return {
    async addonApp (uuid, token) {
      const r = await call('GET', `/addons/${encodeURIComponent(uuid)}`, token)
      const a = (r.json as { app?: { id?: unknown, name?: unknown } } | null)?.app
      if (typeof a?.id !== 'string' || typeof a.name !== 'string') throw bad('GET /addons/{uuid}')
      return { value: { id: a.id, name: a.name }, rateLimitRemaining: r.remaining }
    },
    async formation (name, token) {
      const r = await call('GET', `/apps/${app(name)}/formation`, token)
      if (!Array.isArray(r.json) || !r.json.every(isFormation)) throw bad('GET /apps/{app}/formation')
      return { value: r.json, rateLimitRemaining: r.remaining }
    },
    async scale (name, type, quantity, token) {
      const r = await call('PATCH', `/apps/${app(name)}/formation/${encodeURIComponent(type)}`, token, { quantity })
      if (!isFormation(r.json)) throw bad('PATCH /apps/{app}/formation/{type}')
      return { value: r.json, rateLimitRemaining: r.remaining }
    },
    async rateLimit (token) {
      const r = await call('GET', '/account/rate-limits', token)
      const n = (r.json as { remaining?: unknown } | null)?.remaining
      if (typeof n !== 'number') throw bad('GET /account/rate-limits')
      return n
    },
    async createAddonWebhook (uuid, token, body) {
      const r = await call('POST', `/addons/${encodeURIComponent(uuid)}/webhooks`, token, body)
      const w = r.json as AddonWebhook | null
      if (typeof w?.id !== 'string') throw bad('POST /addons/{uuid}/webhooks')
      return w
    },
    async authorizations (token) {
      const r = await call('GET', '/oauth/authorizations', token)
      if (!Array.isArray(r.json)) throw bad('GET /oauth/authorizations')
      return (r.json as Array<{ id?: unknown, client?: { id?: unknown } | null }>).filter((a) => typeof a.id === 'string')
        .map((a) => ({ id: a.id as string, client: typeof a.client?.id === 'string' ? { id: a.client.id } : null }))
    },
    async revokeAuthorization (id, token) {
      await call('DELETE', `/oauth/authorizations/${encodeURIComponent(id)}`, token)
    }
  }
}

