// Server-side dashboard sessions in PostgreSQL (dashboard_sessions). A session is the
// per-resource "shadow user" of protocol §10.3: one add-on, the Heroku user's id and email as
// SSO gave them, no password and nothing kept after it ends. The cookie carries a random
// id; the table keeps only its SHA-256, so a copy of the table opens no session. Sessions
// end after an idle period and, regardless of activity, after an absolute lifetime.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Db } from '@addonkit/db'
import { randomSecrets, sha256Hex } from '@addonkit/secrets'
import { retryDeadlock } from '@addonkit/lifecycle'
import { every } from './periodic-task.js'
import { CLAIM_REQUIRED, CLAIM_SHADOW } from './sso-nonces.js'

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

export interface SignInRequest {
  instanceUuid: string
  /** The request's once-only keys (sso-params.ts replayKeys), hashed before storage. */
  keys: { required: string[], shadow: string[] }
  claimUntil: Date
  userId: string | null
  email: string | null
  app: string | null
}

interface PendingSignIn { request: SignInRequest, resolve: (o: SignInOutcome) => void, reject: (err: unknown) => void }

/** Sign-ins in one statement at most (group commit, SessionStore.signInOnce). */
const MAX_BATCH = 64

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
   * Group commit: a sign-in that arrives while this process's statement is in flight waits
   * for it and goes with the others that arrived meanwhile, in one statement (one commit,
   * one round trip for all; alone, a sign-in goes at once). Each keeps its own outcome: a
   * statement holds no two sign-ins with a once-only key in common (such a one waits for
   * the next statement, where it meets the claim as a replay), except resource-level shadow
   * keys, which are claimed whoever else claims them.
   */
  signInOnce (s: SignInRequest): Promise<SignInOutcome> {
    if (s.keys.required.length === 0) return Promise.resolve({ ok: false, reason: 'replay' })
    return new Promise((resolve, reject) => {
      this.#queue.push({ request: s, resolve, reject })
      if (!this.#inFlight) this.#flush()
    })
  }

  readonly #queue: PendingSignIn[] = []
  #inFlight = false

  #flush (): void {
    const batch: PendingSignIn[] = []
    const required = new Set<string>()
    const shadow = new Set<string>()
    const rest: PendingSignIn[] = []
    for (const p of this.#queue) {
      const { keys } = p.request
      const clash = batch.length >= MAX_BATCH || keys.required.some((k) => required.has(k) || shadow.has(k)) || keys.shadow.some((k) => required.has(k))
      if (clash) { rest.push(p); continue }
      for (const k of keys.required) required.add(k)
      for (const k of keys.shadow) shadow.add(k)
      batch.push(p)
    }
    this.#queue.splice(0, this.#queue.length, ...rest)
    if (batch.length === 0) return
    this.#inFlight = true
    this.#signIn(batch.map((p) => p.request)).then(
      (outcomes) => batch.forEach((p, i) => p.resolve(outcomes[i]!)),
      (err: unknown) => batch.forEach((p) => p.reject(err))
    ).finally(() => {
      this.#inFlight = false
      if (this.#queue.length) this.#flush()
    })
  }

  /**
   * The statement: the add-ons are read in the statement's snapshot; the required keys of
   * the sign-ins whose add-on is open are inserted (ON CONFLICT … DO UPDATE only over an
   * expired claim, so a live claim is not returned: a replay, also when another replica's
   * claim commits meanwhile, since the unique index makes the second insert wait for the
   * first); the shadow keys and the sessions of the sign-ins whose every required key was
   * claimed. Data-modifying CTEs run once and to completion whether or not the final SELECT
   * reads them. Named: each connection parses and plans it once.
   *
   * Two replicas' statements can contend for the same keys (a request posted to both, the
   * resource-level key of one add-on and second): each inserts its keys in hash order, and a
   * statement PostgreSQL still ends as a deadlock (one key required here, shadow there, and
   * the reverse) was rolled back whole and runs again, where it meets the other's claims.
   */
  async #signIn (batch: SignInRequest[]): Promise<SignInOutcome[]> {
    // One read of the CSPRNG for every session id and CSRF token of the batch.
    const secrets = randomSecrets(2 * batch.length)
    const ids = secrets.slice(0, batch.length)
    const csrfTokens = secrets.slice(batch.length)
    const flat = (pick: (r: SignInRequest) => string[]) => {
      const login: number[] = []
      const hash: string[] = []
      batch.forEach((r, i) => { for (const k of pick(r)) { login.push(i); hash.push(sha256Hex(k)) } })
      return [login, hash] as const
    }
    const [reqLogin, reqHash] = flat((r) => r.keys.required)
    const [shadowLogin, shadowHash] = flat((r) => r.keys.shadow)
    const r = await retryDeadlock(() => this.pool.query<{ i: number, state: string | null, instance_uuid: string | null }>({
      name: 'dashboard-sso-sign-ins',
      text: `WITH login AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           WITH ORDINALITY AS t(uuid, claim_until, id_hash, user_id, email, app, csrf_token, i)
       ), state AS (
         SELECT login.i, instances.state::text AS state FROM login LEFT JOIN instances ON instances.uuid = login.uuid
       ), open AS (
         SELECT login.* FROM login JOIN state USING (i) WHERE state.state IN ('provisioned', 'provisioning')
       ), wanted AS (
         SELECT * FROM unnest($8::int[], $9::text[]) AS w(i, hash)
       ), required AS (
         INSERT INTO dashboard_sso_nonces (hash, expires_at)
         SELECT wanted.hash, open.claim_until FROM wanted JOIN open USING (i) ORDER BY wanted.hash
         ${CLAIM_REQUIRED}
         RETURNING hash
       ), claimed AS (
         SELECT open.* FROM open
          WHERE NOT EXISTS (SELECT 1 FROM wanted WHERE wanted.i = open.i AND wanted.hash NOT IN (SELECT hash FROM required))
       ), shadow AS (
         INSERT INTO dashboard_sso_nonces (hash, expires_at)
         SELECT s.hash, max(claimed.claim_until) FROM unnest($10::int[], $11::text[]) AS s(i, hash) JOIN claimed USING (i) GROUP BY s.hash ORDER BY s.hash
         ${CLAIM_SHADOW}
         RETURNING 1
       ), session AS (
         INSERT INTO dashboard_sessions (id_hash, instance_uuid, user_id, email, app, csrf_token, idle_expires_at, expires_at)
         SELECT id_hash, uuid, user_id, email, app, csrf_token, now() + make_interval(secs => $12::float8 / 1000), now() + make_interval(secs => $13::float8 / 1000)
           FROM claimed
         RETURNING id_hash, instance_uuid
       )
       SELECT (state.i - 1)::int AS i, state.state, session.instance_uuid
         FROM state JOIN login USING (i) LEFT JOIN session ON session.id_hash = login.id_hash`,
      values: [batch.map((b) => b.instanceUuid), batch.map((b) => b.claimUntil), ids.map(sha256Hex), batch.map((b) => b.userId), batch.map((b) => b.email), batch.map((b) => b.app), csrfTokens,
        reqLogin.map((i) => i + 1), reqHash, shadowLogin.map((i) => i + 1), shadowHash, Math.min(this.lifetimes.idleMs, this.lifetimes.maxAgeMs), this.lifetimes.maxAgeMs]
    }))
    const outcomes: SignInOutcome[] = batch.map(() => ({ ok: false, reason: 'unknown' }))
    for (const row of r.rows) {
      outcomes[row.i] = row.state === null
        ? { ok: false, reason: 'unknown' }
        : row.state !== 'provisioned' && row.state !== 'provisioning'
          ? { ok: false, reason: 'unavailable' }
          : row.instance_uuid ? { ok: true, id: ids[row.i]!, instanceUuid: row.instance_uuid } : { ok: false, reason: 'replay' }
    }
    return outcomes
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
