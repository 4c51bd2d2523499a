// A Heroku user's authorization connected from the dashboard (scope `write`, protocol §21.3),
// used for formation changes when Heroku refuses the add-on's own token: its access token
// refreshed before it expires with the OAuth client's secret, stored sealed; revoked and
// deleted when the add-on goes.
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { needsRefresh, type AppClient, type PlatformClient } from '@addonkit/platform-api'

interface Row { access_token_enc: string, refresh_token_enc: string, expires_at: Date, authorization_id: string | null }

export class UserTokens {
  /** `client`: refreshes with the OAuth client's secret; `clientId`: finds the user's authorization of that client to revoke it. */
  constructor (private readonly db: Db, private readonly ring: KeyRing, private readonly client: PlatformClient | null, private readonly clientId: string | null) {}

  async #row (uuid: string): Promise<Row | undefined> {
    return (await this.db.pool.query<Row>('SELECT access_token_enc, refresh_token_enc, expires_at, authorization_id FROM user_oauth_tokens WHERE instance_uuid = $1', [uuid])).rows[0]
  }

  async connected (uuid: string): Promise<boolean> {
    return (await this.#row(uuid)) !== undefined
  }

  /** A valid access token of the connected user, refreshed when near expiry; null when none is connected. */
  async accessToken (uuid: string, force = false): Promise<string | null> {
    const row = await this.#row(uuid)
    if (!row) return null
    if (!force && !needsRefresh(row.expires_at)) return this.ring.open(row.access_token_enc, contexts.oauth(uuid, 'user-access'))
    if (!this.client) return null
    const fresh = await this.client.refresh(this.ring.open(row.refresh_token_enc, contexts.oauth(uuid, 'user-refresh')))
    await this.db.pool.query('UPDATE user_oauth_tokens SET access_token_enc = $2, refresh_token_enc = $3, expires_at = $4, updated_at = now() WHERE instance_uuid = $1',
      [uuid, this.ring.seal(fresh.accessToken, contexts.oauth(uuid, 'user-access')), this.ring.seal(fresh.refreshToken, contexts.oauth(uuid, 'user-refresh')), fresh.expiresAt])
    return fresh.accessToken
  }

  /** Revokes the user's authorization at Heroku (best effort) and forgets its tokens. */
  async revoke (uuid: string, apps: AppClient): Promise<'revoked' | 'forgotten' | 'none'> {
    const row = await this.#row(uuid)
    if (!row) return 'none'
    let revoked = false
    try {
      const token = await this.accessToken(uuid)
      // The token response names no authorization: find this client's among the user's.
      const id = row.authorization_id ?? (token && this.clientId ? (await apps.authorizations(token)).find((a) => a.client?.id === this.clientId)?.id : undefined)
      if (token && id) { await apps.revokeAuthorization(id, token); revoked = true }
    } catch {} // Gone or refused already: the tokens are deleted below all the same.
    await this.db.pool.query('DELETE FROM user_oauth_tokens WHERE instance_uuid = $1', [uuid])
    return revoked ? 'revoked' : 'forgotten'
  }
}
