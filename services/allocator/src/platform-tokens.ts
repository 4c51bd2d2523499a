// Platform API for Partners tokens per instance (protocol §6): the grant is exchanged right
// away, both tokens are stored sealed, and the access token is refreshed before it expires
// (or when Heroku says it already has).
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { auditInsertSql, sqlLiteral } from '@addonkit/lifecycle'
import { needsRefresh, PlatformApiError, type PlatformClient, type TokenSet } from '@addonkit/platform-api'
import { PermanentOperationError } from './operations/runner.js'

const STORE =
  `WITH s AS (UPDATE oauth_tokens SET access_token_enc = $2, refresh_token_enc = $3, expires_at = $4, grant_code_enc = NULL, updated_at = now()
               WHERE instance_uuid = $1 RETURNING instance_uuid)
   ${auditInsertSql({ instance: 'instance_uuid', event: '$5::text', outcome: sqlLiteral('ok'), from: 's', where: '$5::text IS NOT NULL' })}`

interface TokenRow { grant_code_enc: string | null, access_token_enc: string | null, refresh_token_enc: string | null, expires_at: Date | null }

export class PlatformTokens {
  constructor (private readonly db: Db, private readonly ring: KeyRing, private readonly client: PlatformClient) {}

  /** Stores the tokens; with `auditEvent`, records it in the same statement. */
  async #store (uuid: string, t: TokenSet, auditEvent?: string): Promise<void> {
    await this.db.pool.query(STORE,
      [uuid, this.ring.seal(t.accessToken, contexts.oauth(uuid, 'access')), this.ring.seal(t.refreshToken, contexts.oauth(uuid, 'refresh')), t.expiresAt, auditEvent ?? null])
  }

  async #row (uuid: string): Promise<TokenRow | undefined> {
    const r = await this.db.pool.query<TokenRow>('SELECT grant_code_enc, access_token_enc, refresh_token_enc, expires_at FROM oauth_tokens WHERE instance_uuid = $1', [uuid])
    return r.rows[0]
  }

  /** Exchanges the stored grant code, if there is one not yet exchanged. Returns whether a token exists. */
  async exchangeGrant (uuid: string): Promise<'exchanged' | 'already' | 'no-grant'> {
    const row = await this.#row(uuid)
    if (row?.access_token_enc) return 'already'
    if (!row?.grant_code_enc) return 'no-grant'
    const code = this.ring.open(row.grant_code_enc, contexts.oauth(uuid, 'grant'))
    try {
      await this.#store(uuid, await this.client.exchangeGrant(code), 'grant_exchanged')
    } catch (err) {
      if (err instanceof PlatformApiError && !err.retryable) throw new PermanentOperationError(`Heroku refused the OAuth grant: ${err.message}`, { cause: err })
      throw err
    }
    return 'exchanged'
  }

  /** A valid access token, refreshed first when it is near expiry (or `force`). */
  async accessToken (uuid: string, force = false): Promise<string> {
    const row = await this.#row(uuid)
    if (!row?.access_token_enc || !row.refresh_token_enc || !row.expires_at) throw new PermanentOperationError('no Platform API token for this add-on: its provision carried no usable OAuth grant')
    if (!force && !needsRefresh(row.expires_at)) return this.ring.open(row.access_token_enc, contexts.oauth(uuid, 'access'))
    let fresh: TokenSet
    try {
      fresh = await this.client.refresh(this.ring.open(row.refresh_token_enc, contexts.oauth(uuid, 'refresh')))
    } catch (err) {
      if (err instanceof PlatformApiError && !err.retryable) throw new PermanentOperationError(`Heroku refused to refresh the access token: ${err.message}`, { cause: err })
      throw err
    }
    await this.#store(uuid, fresh, 'token_refreshed')
    return fresh.accessToken
  }

  /** Runs a Platform API call with a valid token; on 401 refreshes once and tries again. */
  async call<T> (uuid: string, fn: (token: string) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.accessToken(uuid))
    } catch (err) {
      if (err instanceof PlatformApiError && err.status === 401) return fn(await this.accessToken(uuid, true))
      throw err
    }
  }
}

