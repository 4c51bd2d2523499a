// Server-side dashboard sessions in PostgreSQL (dashboard_sessions). A session is the
// per-resource "shadow user" of protocol §10.3: one add-on, the Heroku user's id and email as
// SSO gave them, no password and nothing kept after it ends. The cookie carries a random
// id; the table keeps only its SHA-256, so a copy of the table opens no session. Sessions
// end after an idle period and, regardless of activity, after an absolute lifetime.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Db } from '@addonkit/db'
import { randomSecret, sha256Hex } from '@addonkit/secrets'
import { every } from './periodic-task.js'

export interface Session {
  instanceUuid: string
  userId: string | null
  email: string | null
  app: string | null
  csrfToken: string
  createdAt: Date
  expiresAt: Date
}

export interface SessionLifetimes {
  /** A session unused this long ends (30 minutes by default). */
  idleMs: number
  /** A session ends this long after sign-in whatever its use (12 hours by default). */
  maxAgeMs: number
}

interface Row { instance_uuid: string, user_id: string | null, email: string | null, app: string | null, csrf_token: string, created_at: Date, expires_at: Date }

const toSession = (r: Row): Session => ({ instanceUuid: r.instance_uuid, userId: r.user_id, email: r.email, app: r.app, csrfToken: r.csrf_token, createdAt: r.created_at, expiresAt: r.expires_at })

/** The result of one SSO sign-in (signInOnce): a new session, or why there is none. */
export type SignInOutcome =
  | { ok: true, id: string, instanceUuid: string }
  | { ok: false, reason: 'unknown' | 'unavailable' | 'replay' }

export class SessionStore {
  constructor (private readonly pool: Db['pool'], readonly lifetimes: SessionLifetimes) {}

  /**
   * One SSO sign-in in one statement, so one PostgreSQL round trip (and one commit): check
   * that the add-on exists and is open, claim the request's once-only keys, and start the
   * session, all or nothing. Returns why it was refused, or the add-on and the id for the
   * cookie (never stored as such).
   *
   * Why one statement and not a signed stateless session with a revocation list (issue 20):
   * the once-only keys must be claimed in PostgreSQL anyway (every replica must see them, so
   * a replay is refused by any replica), so a sign-in costs one round trip whatever the
   * session is; the add-on check and the session row ride on that round trip for free.
   * A stateless session would save no round trip here, and it would cost elsewhere: every
   * page would still have to consult a revocation list (in PostgreSQL: the same read as
   * today; in memory fed by NATS: no longer instant across replicas on deprovision or
   * sign-out), and the idle expiry, the CSRF token and sign-out are server-side state today.
   *
   * How: the add-on row is read in the statement's snapshot; the required keys are inserted
   * only when it is open (ON CONFLICT … DO UPDATE only over an expired claim, so a live
   * claim is not returned: a replay, also when another replica's claim commits meanwhile,
   * since the unique index makes the second insert wait for the first); the shadow keys
   * and the session only when every required key was claimed. Data-modifying CTEs run
   * once and to completion whether or not the final SELECT reads them.
   */
  async signInOnce (s: { instanceUuid: string, keys: { required: string[], shadow: string[] }, claimUntil: Date, userId: string | null, email: string | null, app: string | null }): Promise<SignInOutcome> {
    if (s.keys.required.length === 0) return { ok: false, reason: 'replay' }
    const id = randomSecret(32)
    // Named: each connection parses and plans this statement once, not on every sign-in.
    const r = await this.pool.query<{ state: string | null, claimed: boolean | null, instance_uuid: string | null }>({
      name: 'dashboard-sso-sign-in',
      text: `WITH inst AS (
         SELECT uuid, state::text AS state FROM instances WHERE uuid = $1::uuid
       ), open AS (
         SELECT uuid FROM inst WHERE state IN ('provisioned', 'provisioning')
       ), required AS (
         INSERT INTO dashboard_sso_nonces (hash, expires_at)
         SELECT h, $3::timestamptz FROM unnest($2::text[]) AS h WHERE EXISTS (SELECT 1 FROM open)
         ON CONFLICT (hash) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE dashboard_sso_nonces.expires_at <= now()
         RETURNING 1
       ), claimed AS (
         SELECT EXISTS (SELECT 1 FROM open) AND (SELECT count(*) FROM required) = cardinality($2::text[]) AS ok
       ), shadow AS (
         INSERT INTO dashboard_sso_nonces (hash, expires_at)
         SELECT h, $3::timestamptz FROM unnest($4::text[]) AS h WHERE (SELECT ok FROM claimed)
         ON CONFLICT (hash) DO UPDATE SET expires_at = GREATEST(dashboard_sso_nonces.expires_at, EXCLUDED.expires_at)
         RETURNING 1
       ), session AS (
         INSERT INTO dashboard_sessions (id_hash, instance_uuid, user_id, email, app, csrf_token, idle_expires_at, expires_at)
         SELECT $5, open.uuid, $6, $7, $8, $9, now() + make_interval(secs => $10::float8 / 1000), now() + make_interval(secs => $11::float8 / 1000)
           FROM open WHERE (SELECT ok FROM claimed)
         RETURNING instance_uuid
       )
       SELECT inst.state, (SELECT ok FROM claimed) AS claimed, session.instance_uuid
         FROM (SELECT 1) AS one LEFT JOIN inst ON true LEFT JOIN session ON true`,
      values: [s.instanceUuid, s.keys.required.map(sha256Hex), s.claimUntil, s.keys.shadow.map(sha256Hex),
        sha256Hex(id), s.userId, s.email, s.app, randomSecret(32), Math.min(this.lifetimes.idleMs, this.lifetimes.maxAgeMs), this.lifetimes.maxAgeMs]
    })
    const row = r.rows[0]!
    if (row.state === null) return { ok: false, reason: 'unknown' }
    if (row.state !== 'provisioned' && row.state !== 'provisioning') return { ok: false, reason: 'unavailable' }
    if (!row.claimed || !row.instance_uuid) return { ok: false, reason: 'replay' }
    return { ok: true, id, instanceUuid: row.instance_uuid }
  }

  /**
   * The live session with this id for this add-on, its idle deadline pushed back; null
   * when there is none or it has ended (idle or absolute expiry, checked on the DB clock).
   */
  async touch (id: string, instanceUuid: string): Promise<Session | null> {
    return this.touchHashed(sha256Hex(id), instanceUuid)
  }

  /**
   * The same by the id's SHA-256, for the OAuth callback: the session cookie's path is the
   * add-on's dashboard, so the callback (one URL for every add-on) sees only the hash its
   * state cookie carries (autoscaling/oauth-state.ts).
   */
  async touchHashed (idHash: string, instanceUuid: string): Promise<Session | null> {
    const r = await this.pool.query<Row>(
      `UPDATE dashboard_sessions
          SET last_seen_at = now(), idle_expires_at = LEAST(expires_at, now() + make_interval(secs => $3::float8 / 1000))
        WHERE id_hash = $1 AND instance_uuid = $2 AND idle_expires_at > now() AND expires_at > now()
        RETURNING instance_uuid, user_id, email, app, csrf_token, created_at, expires_at`,
      [idHash, instanceUuid, this.lifetimes.idleMs]
    )
    return r.rows[0] ? toSession(r.rows[0]) : null
  }

  async destroy (id: string): Promise<void> {
    await this.pool.query('DELETE FROM dashboard_sessions WHERE id_hash = $1', [sha256Hex(id)])
  }

  async purgeExpired (): Promise<number> {
    const r = await this.pool.query('DELETE FROM dashboard_sessions WHERE idle_expires_at <= now() OR expires_at <= now()')
    return r.rowCount ?? 0
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionStore
  }
}

export interface SessionStoreOptions extends SessionLifetimes { purgeEveryMs: number }

async function sessionStorePlugin (app: FastifyInstance, opts: SessionStoreOptions) {
  const store = new SessionStore(app.db.pool, { idleMs: opts.idleMs, maxAgeMs: opts.maxAgeMs })
  app.decorate('sessions', store)
  const stop = every(opts.purgeEveryMs, () => store.purgeExpired(), (err) => app.log.warn({ err }, 'could not purge expired sessions'))
  app.addHook('onClose', async () => { stop() })
}

export default fp(sessionStorePlugin, { name: 'dashboard-session-store', fastify: '5.x', dependencies: ['addonkit-db'] })
