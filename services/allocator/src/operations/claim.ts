// Claiming outbox rows. A row is runnable when it is pending and due, or running with an
// expired lease (its runner died); and only when no earlier unfinished operation of the
// same instance exists, so operations of one instance run one at a time, in order.
import { uuidKey, type Db, type Operation } from '@addonkit/db'
import { groupCommit, prepared, sqlLiteral, type InstanceRow, type RowWrite } from '@addonkit/lifecycle'

export interface OperationRow {
  id: string
  instance_uuid: string
  kind: Operation['kind']
  params: Record<string, unknown>
  step: string | null
  attempts: number
  created_at: Date
  /** W3C traceparent of the request that enqueued it (service-kit tracing.ts), if any. */
  traceparent: string | null
}

const RUNNABLE = `((o.status = 'pending' AND o.next_attempt_at <= now()) OR (o.status = 'running' AND o.lease_until < now()))`
const FIRST_OF_INSTANCE = `NOT EXISTS (SELECT 1 FROM operations e
                         WHERE e.instance_uuid = o.instance_uuid AND e.status IN ('pending', 'running')
                           AND (e.created_at, e.id) < (o.created_at, o.id))`

/** The instance's Platform API token row, as the claim reads it (platform-tokens.ts). */
export interface TokenRow { grant_code_enc: string | null, access_token_enc: string | null, refresh_token_enc: string | null, expires_at: Date | null }

/**
 * What an operation's handler reads first, read in the claim's round trip (the snapshot at
 * the claim): the instance (null if it is gone), its token row and its add-on webhook's id.
 */
export interface Prefetched {
  instance: InstanceRow | null
  tokens: TokenRow | null
  webhookId: string | null
  /** The instance's sealed log_input_url (null: none); set by the provision request and never changed, so the app log line after a provision needs no read of its own. */
  logInputUrlEnc: string | null
}

export type ClaimedOperation = OperationRow & { prefetched: Prefetched }

interface ClaimRow extends OperationRow {
  i_uuid: string | null, i_name: string | null, i_plan: string, i_region: string, i_driver: string, i_state: InstanceRow['state'], i_options: Record<string, unknown>,
  i_log_drain_token: string | null, i_config_enc: string | null, i_failure_reason: string | null, i_created_at: Date,
  has_tokens: boolean, grant_code_enc: string | null, access_token_enc: string | null, refresh_token_enc: string | null, expires_at: Date | null, webhook_id: string | null, i_log_input_url_enc: string | null
}

const claimSql = (which: string) =>
    `WITH c AS (
       UPDATE operations o
          SET status = 'running', lease_until = now() + make_interval(secs => $2::float8 / 1000), attempts = o.attempts + 1
        WHERE ${which} AND ${RUNNABLE} AND ${FIRST_OF_INSTANCE}
        RETURNING o.id, o.instance_uuid, o.kind, o.params, o.step, o.attempts, o.created_at, o.traceparent)
     SELECT c.*, i.uuid AS i_uuid, i.name AS i_name, i.plan AS i_plan, i.region AS i_region, i.driver AS i_driver, i.state AS i_state, i.options AS i_options,
            i.log_drain_token AS i_log_drain_token, i.config_enc AS i_config_enc, i.failure_reason AS i_failure_reason, i.created_at AS i_created_at, i.log_input_url_enc AS i_log_input_url_enc,
            t.instance_uuid IS NOT NULL AS has_tokens, t.grant_code_enc, t.access_token_enc, t.refresh_token_enc, t.expires_at, a.webhook_id
       FROM c LEFT JOIN instances i ON i.uuid = c.instance_uuid
              LEFT JOIN oauth_tokens t ON t.instance_uuid = c.instance_uuid
              LEFT JOIN autoscale_apps a ON a.instance_uuid = c.instance_uuid`

// Named statements (lifecycle prepared): planned once per connection, not on every call.
const CLAIM = prepared('allocator.claim', claimSql('o.id = $1'))
// Several operations at once (group commit, operationClaimer). Each is claimed on the same
// conditions as alone: of two operations of one instance in one statement the later is not
// claimed (the earlier is unfinished in the statement's snapshot), as it would not be after
// the earlier's claim.
const CLAIM_MANY = prepared('allocator.claim_many', claimSql('o.id = ANY($1::uuid[])'))

function claimed (row: ClaimRow): ClaimedOperation {
  const op: OperationRow = { id: row.id, instance_uuid: row.instance_uuid, kind: row.kind, params: row.params, step: row.step, attempts: row.attempts, created_at: row.created_at, traceparent: row.traceparent }
  const instance: InstanceRow | null = row.i_uuid === null
    ? null
    : { uuid: row.i_uuid, name: row.i_name, plan: row.i_plan, region: row.i_region, driver: row.i_driver, state: row.i_state, options: row.i_options, log_drain_token: row.i_log_drain_token, config_enc: row.i_config_enc, failure_reason: row.i_failure_reason, created_at: row.i_created_at }
  const tokens: TokenRow | null = row.has_tokens ? { grant_code_enc: row.grant_code_enc, access_token_enc: row.access_token_enc, refresh_token_enc: row.refresh_token_enc, expires_at: row.expires_at } : null
  return { ...op, prefetched: { instance, tokens, webhookId: row.webhook_id, logInputUrlEnc: row.i_log_input_url_enc } }
}

export async function claimOperation (db: Db, id: string, leaseMs: number): Promise<ClaimedOperation | null> {
  const r = await db.pool.query<ClaimRow>(CLAIM([id, leaseMs]))
  const row = r.rows[0]
  return row ? claimed(row) : null
}

/** claimOperation for several operations in one statement; null for each that was not claimed. */
export async function claimOperations (db: Db, ids: string[], leaseMs: number): Promise<Array<ClaimedOperation | null>> {
  const r = await db.pool.query<ClaimRow>(CLAIM_MANY([ids, leaseMs]))
  const byId = new Map(r.rows.map((row) => [uuidKey(row.id), claimed(row)]))
  return ids.map((id) => byId.get(uuidKey(id)) ?? null)
}

/**
 * A group-committed claimOperation for one runner (lifecycle groupCommit): wake-ups that
 * arrive while a claim is in flight (a gateway's group commit sends its wake-ups together)
 * are claimed together in the next statement; alone, a claim goes at once.
 */
export function operationClaimer (db: Db, leaseMs: number): (id: string) => Promise<ClaimedOperation | null> {
  return groupCommit<string, ClaimedOperation | null>({
    one: (id) => claimOperation(db, id, leaseMs),
    many: (ids) => claimOperations(db, ids, leaseMs),
    keys: (id) => [id]
  })
}

const RENEW = prepared('allocator.renew_lease', `UPDATE operations SET lease_until = now() + make_interval(secs => $2::float8 / 1000) WHERE id = $1 AND status = 'running'`)

/** Extends the lease of a running operation (the heartbeat of a long step). */
export async function renewLease (db: Db, id: string, leaseMs: number): Promise<void> {
  await db.pool.query(RENEW([id, leaseMs]))
}

/** Ids of operations that are runnable now, oldest first. */
export async function runnableOperations (db: Db, limit = 50): Promise<string[]> {
  const r = await db.pool.query<{ id: string }>(`SELECT o.id FROM operations o WHERE ${RUNNABLE} AND ${FIRST_OF_INSTANCE} ORDER BY o.created_at, o.id LIMIT $1`, [limit])
  return r.rows.map((row) => row.id)
}

const NEXT_OF = prepared('allocator.next_of', `SELECT id FROM operations WHERE instance_uuid = $1 AND status IN ('pending', 'running') ORDER BY created_at, id LIMIT 1`)

/** The next unfinished operation of an instance, if any. */
export async function nextOperationOf (db: Db, instanceUuid: string): Promise<string | null> {
  const r = await db.pool.query<{ id: string }>(NEXT_OF([instanceUuid]))
  return r.rows[0]?.id ?? null
}

export async function setStep (db: Db, id: string, step: string): Promise<void> {
  await db.pool.query('UPDATE operations SET step = $2 WHERE id = $1', [id, step])
}

/**
 * A handler's last write, committed with the operation's finish in one statement (lifecycle
 * builds it, e.g. webhookRecord): CTEs that write the rows of a relation, one `row` per
 * operation that carries a write of that `name`.
 */
export type FinishWrite = RowWrite

/** An operation to mark succeeded: its result and, optionally, the handler's last write. */
export interface Finish { id: string, instanceUuid: string, result: Record<string, unknown>, also?: FinishWrite }

// One statement finishes one or several operations (group commit): each still running is
// marked succeeded, the writes of those it finished (each kind's CTEs take the rows of its
// kind) and the next unfinished operation of each one's instance come back (no two
// operations of one instance go together). One no longer running (failed or finished by
// another runner after its lease was taken over) is left alone, and so is its write. The
// ids also as an array: looked up in the index, not a hash join over a scan of the table
// (lifecycle instances.ts STORE_ALLOCATIONS says why).
const finishSql = (writes: FinishWrite[]) =>
  `WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, result jsonb, writes jsonb)),
   f AS (UPDATE operations o SET status = 'succeeded', finished_at = now(), lease_until = NULL, result = r.result, last_error = NULL
           FROM r WHERE o.id = r.id AND o.id = ANY(ARRAY(SELECT id FROM r)) AND o.status = 'running' RETURNING o.id, o.instance_uuid)
   ${writes.map((w) => `, ${w.ctes(`(SELECT r.writes->${sqlLiteral(w.name)} AS w FROM r JOIN f USING (id) WHERE r.writes ? ${sqlLiteral(w.name)})`)}`).join('\n')}
   SELECT f.id, (SELECT n.id FROM operations n WHERE n.instance_uuid = f.instance_uuid AND n.status IN ('pending', 'running') AND n.id <> f.id
                  ORDER BY n.created_at, n.id LIMIT 1) AS next
     FROM f`
/** Prepared statements by the kinds of write they carry (one per set of kinds). */
const finishStatements = new Map<string, ReturnType<typeof prepared>>()

/**
 * Marks the operations (of distinct instances) done, each with its write, in one statement.
 * Answers, for each, the next unfinished operation of its instance (null: none), or
 * undefined when it was not running any more, so neither it nor its write was recorded.
 */
export async function finishOperations (db: Db, xs: Finish[]): Promise<Array<string | null | undefined>> {
  if (new Set(xs.map((x) => uuidKey(x.id))).size !== xs.length) throw new Error('finishOperations: an operation given twice')
  const writes = [...new Map(xs.flatMap((x) => x.also ? [[x.also.name, x.also] as const] : [])).values()].sort((a, b) => a.name.localeCompare(b.name))
  const key = writes.map((w) => w.name).join('+')
  let statement = finishStatements.get(key)
  if (!statement) finishStatements.set(key, statement = prepared(`allocator.finish${key ? '+' + key : ''}`, finishSql(writes)))
  const json = JSON.stringify(xs.map((x) => ({ id: x.id, result: x.result, writes: x.also ? { [x.also.name]: x.also.row } : {} })))
  const r = await db.pool.query<{ id: string, next: string | null }>(statement([json]))
  const byId = new Map(r.rows.map((row) => [uuidKey(row.id), row.next]))
  return xs.map((x) => byId.get(uuidKey(x.id)))
}

/** Marks the operation done (with `also`, the handler's last write in the same statement): finishOperations for one. */
export async function finishOperation (db: Db, id: string, instanceUuid: string, result: Record<string, unknown>, also?: FinishWrite): Promise<string | null | undefined> {
  return (await finishOperations(db, [{ id, instanceUuid, result, also }]))[0]
}

/**
 * A group-committed finishOperation for one runner (lifecycle groupCommit): operations that
 * end while a finish is in flight (the provisions claimed together end together) are
 * finished in the next statement together; alone, at once.
 */
export function operationFinisher (db: Db): (x: Finish) => Promise<string | null | undefined> {
  return groupCommit<Finish, string | null | undefined>({
    one: async (x) => (await finishOperations(db, [x]))[0],
    many: (xs) => finishOperations(db, xs),
    keys: (x) => [uuidKey(x.id), uuidKey(x.instanceUuid)]
  })
}

export async function retryOperation (db: Db, id: string, delayMs: number, error: string): Promise<void> {
  await db.pool.query(`UPDATE operations SET status = 'pending', lease_until = NULL, last_error = $3, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000) WHERE id = $1`, [id, delayMs, error])
}

export async function failOperation (db: Db, id: string, error: string): Promise<void> {
  await db.pool.query(`UPDATE operations SET status = 'failed', finished_at = now(), lease_until = NULL, last_error = $2 WHERE id = $1`, [id, error])
}
