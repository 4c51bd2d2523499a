// Single use of SSO requests (dashboard_sso_nonces): a signed request that succeeded once is
// refused when replayed, by any replica. Rows outlive the freshness window (protocol §10.3: 5
// minutes plus skew) and are deleted after it, when the request could not pass anyway. An SSO
// sign-in claims its keys in the statement that starts its session (SessionStore.signInOnce);
// claim() serves the other once-only values (the OAuth callback's state).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Db } from '@addonkit/db'
import { sha256Hex } from '@addonkit/secrets'
import { every } from './periodic-task.js'

/**
 * The claim rule, written once for every statement that claims keys (also the sign-in's,
 * SessionStore.signInOnce): a required key is claimed only if it is new or its claim has
 * expired, so a live claim returns no row; a shadow key is claimed whoever holds it, and
 * keeps the later expiry.
 */
export const CLAIM_REQUIRED = 'ON CONFLICT (hash) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE dashboard_sso_nonces.expires_at <= now()'
export const CLAIM_SHADOW = 'ON CONFLICT (hash) DO UPDATE SET expires_at = GREATEST(dashboard_sso_nonces.expires_at, EXCLUDED.expires_at)'

export class NonceStore {
  constructor (private readonly pool: Db['pool']) {}

  /**
   * Claims the keys of one request (hashed before storage): true only if none of the
   * required keys was claimed before; the shadow keys are claimed too, already claimed or
   * not. A key whose row has expired can be claimed again.
   */
  async claim (keys: { required: string[], shadow: string[] }, expiresAt: Date): Promise<boolean> {
    if (keys.required.length === 0) return false
    const r = await this.pool.query(
      `INSERT INTO dashboard_sso_nonces (hash, expires_at) SELECT h, $2 FROM unnest($1::text[]) AS h
       ${CLAIM_REQUIRED}`,
      [keys.required.map(sha256Hex), expiresAt]
    )
    if (r.rowCount !== keys.required.length) return false
    if (keys.shadow.length) {
      await this.pool.query(
        `INSERT INTO dashboard_sso_nonces (hash, expires_at) SELECT h, $2 FROM unnest($1::text[]) AS h
         ${CLAIM_SHADOW}`,
        [keys.shadow.map(sha256Hex), expiresAt]
      )
    }
    return true
  }

  async purgeExpired (): Promise<number> {
    const r = await this.pool.query('DELETE FROM dashboard_sso_nonces WHERE expires_at <= now()')
    return r.rowCount ?? 0
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    ssoNonces: NonceStore
  }
}

async function ssoNoncesPlugin (app: FastifyInstance, opts: { purgeEveryMs: number }) {
  const store = new NonceStore(app.db.pool)
  app.decorate('ssoNonces', store)
  const stop = every(opts.purgeEveryMs, () => store.purgeExpired(), (err) => app.log.warn({ err }, 'could not purge used SSO nonces'))
  app.addHook('onClose', async () => { stop() })
}

export default fp(ssoNoncesPlugin, { name: 'dashboard-sso-nonces', fastify: '5.x', dependencies: ['addonkit-db'] })
