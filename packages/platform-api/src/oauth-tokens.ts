// OAuth against id.heroku.com (protocol §6): exchanging a provisioning grant code for tokens,
// refreshing them, and deciding when a token is close enough to expiry to refresh.
import type { ResolvedClientOptions } from './client-options.js'
import { PlatformApiError, PlatformErrorCode } from './errors.js'
import { readJson, sendWithRetries } from './send-with-retries.js'

export interface TokenSet {
  accessToken: string
  refreshToken: string
  expiresAt: Date
}

// Heroku's partner tokens last 8 h (§6.1). The schema allows `expires_in: null` for
// indefinite tokens; treating a missing value as 8 h makes us refresh early, never late.
const DEFAULT_EXPIRES_IN = 28_800

/** True when the token expires within `marginSeconds` of `now` (or already has). */
export function needsRefresh (expiresAt: Date, now = new Date(), marginSeconds = 120): boolean {
  return expiresAt.getTime() - now.getTime() <= marginSeconds * 1000
}

export async function requestTokens (
  opts: ResolvedClientOptions,
  form: Record<string, string>,
  what: string,
  fallbackRefreshToken?: string
): Promise<TokenSet> {
  // The form carries the code or refresh token and the client secret: it goes only into the
  // request body; `what` (used in every error message) names the grant type alone.
  const body = Buffer.from(new URLSearchParams({ ...form, client_secret: opts.clientSecret }).toString())
  // Measured before sending so expiresAt errs early, never late.
  const startedAt = Date.now()
  const res = await sendWithRetries({
    method: 'POST',
    url: new URL(`${opts.idUrl}/oauth/token`),
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      'User-Agent': opts.userAgent
    },
    body,
    timeoutMs: opts.timeoutMs
  }, { maxAttempts: opts.maxAttempts, baseDelayMs: opts.baseDelayMs, observe: opts.observe, what })
  const json = readJson(res, what) as Record<string, unknown> | null
  const accessToken = json?.access_token
  const refreshToken = typeof json?.refresh_token === 'string' && json.refresh_token !== '' ? json.refresh_token : fallbackRefreshToken
  if (typeof accessToken !== 'string' || accessToken === '' || refreshToken === undefined) {
    throw new PlatformApiError(PlatformErrorCode.BAD_RESPONSE, `${what}: token response lacks access_token or refresh_token`, { status: res.status, retryable: false })
  }
  const expiresIn = typeof json?.expires_in === 'number' && Number.isFinite(json.expires_in) ? json.expires_in : DEFAULT_EXPIRES_IN
  return { accessToken, refreshToken, expiresAt: new Date(startedAt + expiresIn * 1000) }
}
