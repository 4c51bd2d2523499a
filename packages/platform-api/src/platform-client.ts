// The Platform API for Partners client (protocol §5.2, §6, §15): token exchange and refresh,
// config updates and the provision/deprovision actions, each call retried on transient
// failures with the headers Heroku requires.
import { type PlatformClientOptions, type ResolvedClientOptions, resolveClientOptions } from './client-options.js'
import { PlatformApiError, PlatformErrorCode } from './errors.js'
import { type TokenSet, requestTokens } from './oauth-tokens.js'
import { readJson, sendWithRetries } from './send-with-retries.js'

export const HEROKU_ACCEPT = 'application/vnd.heroku+json; version=3'

export interface ConfigVar {
  name: string
  value: string | null
}

export interface PlatformClient {
  /** POST {idUrl}/oauth/token with grant_type=authorization_code. */
  exchangeGrant (code: string): Promise<TokenSet>
  /** POST {idUrl}/oauth/token with grant_type=refresh_token; keeps the old refresh token if none comes back. */
  refresh (refreshToken: string): Promise<TokenSet>
  /** PATCH /addons/{uuid}/config; a null value removes the var. Returns the add-on's config. */
  updateConfig (uuid: string, accessToken: string, config: Record<string, string | null>): Promise<ConfigVar[]>
  /** POST /addons/{uuid}/actions/provision: finishes asynchronous provisioning. */
  markProvisioned (uuid: string, accessToken: string): Promise<unknown>
  /** POST /addons/{uuid}/actions/deprovision: finishes asynchronous deprovisioning. */
  markDeprovisioned (uuid: string, accessToken: string): Promise<unknown>
  /** GET /addons/{uuid}. */
  getAddon (uuid: string, accessToken: string): Promise<unknown>
}

export function createPlatformClient (options: PlatformClientOptions): PlatformClient {
  const opts = resolveClientOptions(options)
  return {
    exchangeGrant: (code) => requestTokens(opts, { grant_type: 'authorization_code', code }, 'POST /oauth/token (authorization_code)'),
    refresh: (refreshToken) => requestTokens(opts, { grant_type: 'refresh_token', refresh_token: refreshToken }, 'POST /oauth/token (refresh_token)', refreshToken),
    async updateConfig (uuid, accessToken, config) {
      const body = { config: Object.entries(config).map(([name, value]) => ({ name, value })) }
      const path = `/addons/${encodeURIComponent(uuid)}/config`
      const result = await callApi(opts, 'PATCH', path, accessToken, body)
      if (!Array.isArray(result)) {
        throw new PlatformApiError(PlatformErrorCode.BAD_RESPONSE, `PATCH ${path}: answer is not an array of config vars`, { retryable: false })
      }
      return result as ConfigVar[]
    },
    markProvisioned: (uuid, accessToken) => callApi(opts, 'POST', `/addons/${encodeURIComponent(uuid)}/actions/provision`, accessToken),
    markDeprovisioned: (uuid, accessToken) => callApi(opts, 'POST', `/addons/${encodeURIComponent(uuid)}/actions/deprovision`, accessToken),
    getAddon: (uuid, accessToken) => callApi(opts, 'GET', `/addons/${encodeURIComponent(uuid)}`, accessToken)
  }
}

async function callApi (opts: ResolvedClientOptions, method: string, path: string, accessToken: string, body?: unknown): Promise<unknown> {
  const what = `${method} ${path}`
  const res = await sendWithRetries({
    method,
    url: new URL(opts.apiUrl + path),
    headers: {
      Authorization: `Bearer ${accessToken}`,
      Accept: HEROKU_ACCEPT,
      'Content-Type': 'application/json',
      'User-Agent': opts.userAgent
    },
    // The actions carry no body (§5.2); send an explicit empty one so Content-Length is 0.
    ...(method === 'GET' ? {} : { body: Buffer.from(body === undefined ? '' : JSON.stringify(body)) }),
    timeoutMs: opts.timeoutMs
  }, { maxAttempts: opts.maxAttempts, baseDelayMs: opts.baseDelayMs, observe: opts.observe, what })
  return readJson(res, what)
}
