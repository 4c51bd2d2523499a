// A Heroku account connected to an add-on for autoscaling (protocol §21.3): when Heroku refuses
// the add-on's own token for formation changes, the customer authorizes our third-party
// OAuth client with the `write` scope; the code is exchanged with that client's secret and
// the tokens are stored sealed in user_oauth_tokens (the allocator's user-tokens.ts opens,
// refreshes and at deprovision revokes them, with the same sealing contexts).
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { audit } from '@addonkit/lifecycle'
import { createPlatformClient } from '@addonkit/platform-api'

export interface OAuthClientSettings {
  /** HEROKU_OAUTH_ID / HEROKU_OAUTH_SECRET; null when the operator has not configured one. */
  client: { id: string, secret: string } | null
  idUrl: string
  apiUrl: string
  /** DASHBOARD_PUBLIC_URL: the callback registered with Heroku is under it. */
  publicUrl: string
}

/** The one scope asked for: `write` may scale the formation (read-protected data stays out of reach). */
export const OAUTH_SCOPE = 'write'

export interface ConnectedAccount { scope: string, connectedAt: Date }

export function authorizeUrl (s: OAuthClientSettings, clientId: string, state: string, redirectUri: string): string {
  const u = new URL(`${s.idUrl}/oauth/authorize`)
  u.search = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: OAUTH_SCOPE, state, redirect_uri: redirectUri }).toString()
  return u.toString()
}

export async function connectedAccount (db: Db, instanceUuid: string): Promise<ConnectedAccount | null> {
  const row = await db.prisma.userOAuthToken.findUnique({ where: { instanceUuid }, select: { scope: true, createdAt: true } })
  return row && { scope: row.scope, connectedAt: row.createdAt }
}

/**
 * Exchanges the code Heroku sent back and stores the tokens sealed (a new connection
 * replaces an older one). Throws the Platform API's error when Heroku refuses the code.
 */
export async function connectAccount (db: Db, ring: KeyRing, s: OAuthClientSettings & { client: { id: string, secret: string } }, instanceUuid: string, code: string, by: string | null): Promise<void> {
  // One attempt and a retry: the code is single-use, so a lost answer cannot be replayed
  // for long, and a person is waiting.
  const platform = createPlatformClient({ apiUrl: s.apiUrl, idUrl: s.idUrl, clientSecret: s.client.secret, maxAttempts: 2, userAgent: 'addonkit-dashboard' })
  const tokens = await platform.exchangeGrant(code)
  const data = {
    scope: OAUTH_SCOPE,
    // The token answer names neither the user nor the authorization (platform-api's
    // TokenSet); the allocator finds the authorization by client id when it revokes.
    userId: null,
    authorizationId: null,
    accessTokenEnc: ring.seal(tokens.accessToken, contexts.oauth(instanceUuid, 'user-access')),
    refreshTokenEnc: ring.seal(tokens.refreshToken, contexts.oauth(instanceUuid, 'user-refresh')),
    expiresAt: tokens.expiresAt
  }
  await db.prisma.userOAuthToken.upsert({ where: { instanceUuid }, create: { instanceUuid, ...data }, update: data })
  await audit(db.pool, instanceUuid, 'heroku_account_connected', 'ok', { by, scope: OAUTH_SCOPE })
}

/**
 * Forgets the connected account's tokens. Heroku is not called: the authorization stays
 * listed in the user's Heroku account (Applications) until they revoke it there; the
 * autoscaler goes back to the add-on's own token.
 */
export async function disconnectAccount (db: Db, instanceUuid: string, by: string | null): Promise<boolean> {
  const r = await db.prisma.userOAuthToken.deleteMany({ where: { instanceUuid } })
  if (r.count > 0) await audit(db.pool, instanceUuid, 'heroku_account_disconnected', 'ok', { by })
  return r.count > 0
}
