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

export class SessionStore {
  constructor (private readonly pool: Db['pool'], readonly lifetimes: SessionLifetimes) {}

  /** Starts a session; returns the id for the cookie (never stored as such). */
  async create (s: { instanceUuid: string, userId: string | null, email: string | null, app: string | null }): Promise<{ id: string, session: Session }> {
    const id = randomSecret(32)
    const r = await this.pool.query<Row>(
      `INSERT INTO dashboard_sessions (id_hash, instance_uuid, user_id, email, app, csrf_token, idle_expires_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7::float8 / 1000), now() + make_interval(secs => $8::float8 / 1000))
       RETURNING instance_uuid, user_id, email, app, csrf_token, created_at, expires_at`,
      [sha256Hex(id), s.instanceUuid, s.userId, s.email, s.app, randomSecret(32), Math.min(this.lifetimes.idleMs, this.lifetimes.maxAgeMs), this.lifetimes.maxAgeMs]
    )
    return { id, session: toSession(r.rows[0]!) }
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
