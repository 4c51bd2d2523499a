// Platform API for Partners tokens per instance (protocol §6): the grant is exchanged right
// away, both tokens are stored sealed, and the access token is refreshed before it expires
// (or when Heroku says it already has).
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { auditInsertSql, prepared, sqlLiteral, type SealedTokens } from '@addonkit/lifecycle'
import { needsRefresh, PlatformApiError, type PlatformClient, type TokenSet } from '@addonkit/platform-api'
import { PermanentOperationError } from './operations/runner.js'
import type { TokenRow } from './operations/claim.js'

const STORE = prepared('allocator.store_tokens',
  `WITH s AS (UPDATE oauth_tokens SET access_token_enc = $2, refresh_token_enc = $3, expires_at = $4, grant_code_enc = NULL, updated_at = now()
               WHERE instance_uuid = $1 RETURNING instance_uuid)
   ${auditInsertSql({ instance: 'instance_uuid', event: '$5::text', outcome: sqlLiteral('ok'), from: 's', where: '$5::text IS NOT NULL' })}`)
const TOKEN_ROW = prepared('allocator.token_row', 'SELECT grant_code_enc, access_token_enc, refresh_token_enc, expires_at FROM oauth_tokens WHERE instance_uuid = $1')

/** What an exchange gives: the tokens sealed for storing, and the access token in clear for this process's next call. */
export type GrantExchange = { result: 'exchanged', sealed: SealedTokens } | { result: 'already' | 'no-grant' }

/** How long an access token this process just obtained is reused without reading the row. */
const RECENT_MS = 60_000
const RECENT_MAX = 1000

export class PlatformTokens {
  /**
   * Access tokens this process obtained in the last minute (exchange or refresh), so the
   * calls that follow a provision's exchange (the webhook subscription) need not read the
   * row back. A 401 still forces a refresh (call()).
   */
  readonly #recent = new Map<string, { token: string, expiresAt: Date, until: number }>()

  constructor (private readonly db: Db, private readonly ring: KeyRing, private readonly client: PlatformClient) {}

  #remember (uuid: string, t: TokenSet): void {
    if (this.#recent.size >= RECENT_MAX) this.#recent.delete(this.#recent.keys().next().value!)
    this.#recent.set(uuid, { token: t.accessToken, expiresAt: t.expiresAt, until: Date.now() + RECENT_MS })
  }

  #seal (uuid: string, t: TokenSet): SealedTokens {
    return { accessTokenEnc: this.ring.seal(t.accessToken, contexts.oauth(uuid, 'access')), refreshTokenEnc: this.ring.seal(t.refreshToken, contexts.oauth(uuid, 'refresh')), expiresAt: t.expiresAt }
  }

  /** Stores sealed tokens; with `auditEvent`, records it in the same statement. */
  async store (uuid: string, t: SealedTokens, auditEvent?: string): Promise<void> {
    await this.db.pool.query(STORE([uuid, t.accessTokenEnc, t.refreshTokenEnc, t.expiresAt, auditEvent ?? null]))
  }

  async #row (uuid: string): Promise<TokenRow | undefined> {
    const r = await this.db.pool.query<TokenRow>(TOKEN_ROW([uuid]))
    return r.rows[0]
  }

  /**
   * Exchanges the stored grant code, if there is one not yet exchanged, and returns the
   * tokens sealed: the caller stores them (store(), or with the allocation in one
   * statement). `row`: the token row if already read (the claim reads it).
   */
  async exchange (uuid: string, row?: TokenRow | null): Promise<GrantExchange> {
    if (row === undefined) row = await this.#row(uuid)
    if (row?.access_token_enc) return { result: 'already' }
    if (!row?.grant_code_enc) return { result: 'no-grant' }
    const code = this.ring.open(row.grant_code_enc, contexts.oauth(uuid, 'grant'))
    let t: TokenSet
    try {
      t = await this.client.exchangeGrant(code)
    } catch (err) {
      if (err instanceof PlatformApiError && !err.retryable) throw new PermanentOperationError(`Heroku refused the OAuth grant: ${err.message}`, { cause: err })
      throw err
    }
    this.#remember(uuid, t)
    return { result: 'exchanged', sealed: this.#seal(uuid, t) }
  }

  /** Exchanges the stored grant code, if there is one not yet exchanged, and stores the tokens. */
  async exchangeGrant (uuid: string): Promise<'exchanged' | 'already' | 'no-grant'> {
    const x = await this.exchange(uuid)
    if (x.result === 'exchanged') await this.store(uuid, x.sealed, 'grant_exchanged')
    return x.result
  }

  /** A valid access token, refreshed first when it is near expiry (or `force`). */
  async accessToken (uuid: string, force = false): Promise<string> {
    const recent = this.#recent.get(uuid)
    if (recent && (force || recent.until < Date.now() || needsRefresh(recent.expiresAt))) this.#recent.delete(uuid)
    else if (recent) return recent.token
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
    await this.store(uuid, this.#seal(uuid, fresh), 'token_refreshed')
    this.#remember(uuid, fresh)
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

