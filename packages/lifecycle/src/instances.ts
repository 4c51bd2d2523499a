// The instance repository: every write to the instances table (and the rows created with
// an instance), and the plain-SQL reads of the provisioning hot paths. This file is the
// only one that writes instances (packages/db/README.md); each change of state records
// its audit event and enqueues its work in the same statement, so one round trip.
import { uuidKey, type Db } from '@addonkit/db'
import { auditInsertSql, sqlLiteral } from './audit.js'
import { operationInsertSql, queued, type OperationRowOut, type QueuedOperation } from './operations.js'
import { groupCommit } from './group-commit.js'
import { prepared } from './sql.js'

export interface InstanceRow {
  uuid: string
  name: string | null
  plan: string
  region: string
  driver: string
  state: 'provisioning' | 'provisioned' | 'deprovisioning' | 'deprovisioned' | 'failed'
  options: Record<string, unknown>
  log_drain_token: string | null
  config_enc: string | null
  failure_reason: string | null
  created_at: Date
}

type Pool = Pick<Db, 'pool'>

const LOAD_INSTANCE = prepared('lifecycle.load_instance', 'SELECT uuid, name, plan, region, driver, state, options, log_drain_token, config_enc, failure_reason, created_at FROM instances WHERE uuid = $1')

export async function loadInstance (db: Pool, uuid: string): Promise<InstanceRow | null> {
  const r = await db.pool.query<InstanceRow>(LOAD_INSTANCE([uuid]))
  return r.rows[0] ?? null
}

/** A provision request as stored; secrets arrive sealed. */
export interface ProvisionRequest {
  uuid: string
  name: string | null
  plan: string
  region: string
  driver: string
  options: Record<string, unknown>
  callbackUrl: string | null
  logInputUrlEnc: string | null
  logDrainToken: string | null
  /** The sealed OAuth grant code (sealGrantCode), and when it expires. */
  grantCodeEnc: string | null
  grantExpiresAt: Date | null
  auditDetail: Record<string, unknown>
  operationParams: Record<string, unknown>
  traceparent: string | null
}

const INSERT_PROVISION = prepared('lifecycle.insert_provision',
  `WITH ins AS (
     INSERT INTO instances (uuid, name, plan, region, driver, options, callback_url, log_input_url_enc, log_drain_token, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, now()) ON CONFLICT DO NOTHING RETURNING uuid),
   tok AS (
     INSERT INTO oauth_tokens (instance_uuid, grant_code_enc, grant_expires_at, updated_at) SELECT uuid, $10, $11::timestamptz, now() FROM ins),
   aud AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('provision_requested'), outcome: sqlLiteral('ok'), detail: '$12::jsonb', from: 'ins' })})
   ${operationInsertSql({ instance: 'uuid', kind: sqlLiteral('provision'), params: '$13::jsonb', traceparent: '$14::text', from: 'ins' })}`)

/**
 * One statement, so one round trip: the instance, its pending grant, the audit entry and
 * the outbox row commit together. ON CONFLICT DO NOTHING on the uuid primary key: of any
 * number of concurrent identical requests exactly one inserts and gets the provision
 * operation; the others wait for it and get null.
 */
export async function insertProvisionRequest (db: Pool, p: ProvisionRequest): Promise<QueuedOperation | null> {
  const r = await db.pool.query<OperationRowOut>(INSERT_PROVISION([
    p.uuid, p.name, p.plan, p.region, p.driver, JSON.stringify(p.options), p.callbackUrl, p.logInputUrlEnc, p.logDrainToken,
    p.grantCodeEnc, p.grantExpiresAt, JSON.stringify(p.auditDetail), JSON.stringify(p.operationParams), p.traceparent
  ]))
  return r.rows[0] ? queued(r.rows[0]) : null
}

// The same rows for several requests in one statement (group commit): the requests arrive
// as one jsonb array, instances are inserted in uuid order, and each request's grant, audit
// entry and outbox row follow its instance only if it was inserted.
const INSERT_PROVISIONS = prepared('lifecycle.insert_provisions',
  `WITH req AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(uuid uuid, name text, plan text, region text, driver text, options jsonb, callback_url text, log_input_url_enc text,
       log_drain_token text, grant_code_enc text, grant_expires_at timestamptz, audit_detail jsonb, operation_params jsonb, traceparent text)),
   ins AS (
     INSERT INTO instances (uuid, name, plan, region, driver, options, callback_url, log_input_url_enc, log_drain_token, updated_at)
     SELECT uuid, name, plan, region, driver, options, callback_url, log_input_url_enc, log_drain_token, now() FROM req ORDER BY uuid
     ON CONFLICT DO NOTHING RETURNING uuid),
   new AS (SELECT req.* FROM req JOIN ins USING (uuid)),
   tok AS (
     INSERT INTO oauth_tokens (instance_uuid, grant_code_enc, grant_expires_at, updated_at) SELECT uuid, grant_code_enc, grant_expires_at, now() FROM new),
   aud AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('provision_requested'), outcome: sqlLiteral('ok'), detail: 'audit_detail', from: 'new' })})
   ${operationInsertSql({ instance: 'uuid', kind: sqlLiteral('provision'), params: 'operation_params', traceparent: 'traceparent', from: 'new' })}`)

/**
 * insertProvisionRequest for several requests in one statement (one round trip, one
 * commit), each with its own outcome (null: its uuid or drain token was taken). No two may
 * share a uuid or a drain token (provisionRequestInserter keeps them apart).
 */
export async function insertProvisionRequests (db: Pool, ps: ProvisionRequest[]): Promise<Array<QueuedOperation | null>> {
  const json = JSON.stringify(ps.map((p) => ({
    uuid: p.uuid, name: p.name, plan: p.plan, region: p.region, driver: p.driver, options: p.options, callback_url: p.callbackUrl, log_input_url_enc: p.logInputUrlEnc,
    log_drain_token: p.logDrainToken, grant_code_enc: p.grantCodeEnc, grant_expires_at: p.grantExpiresAt, audit_detail: p.auditDetail, operation_params: p.operationParams, traceparent: p.traceparent
  })))
  const r = await db.pool.query<OperationRowOut>(INSERT_PROVISIONS([json]))
  const byUuid = new Map(r.rows.map((row) => [uuidKey(row.instance_uuid), queued(row)]))
  return ps.map((p) => byUuid.get(uuidKey(p.uuid)) ?? null)
}

/**
 * A group-committed insertProvisionRequest (group-commit.ts) for one process: a request
 * that arrives while another's statement is in flight goes with the others that arrived
 * meanwhile in the next one. Requests with the same uuid never share a statement: of
 * concurrent identical requests the first inserts, and the next statement's meets its row
 * (ON CONFLICT DO NOTHING), exactly as separate statements would. A drain token may repeat
 * another add-on's (the log drain finds its tenant by the drain credentials).
 */
export function provisionRequestInserter (db: Pool): (p: ProvisionRequest) => Promise<QueuedOperation | null> {
  return groupCommit<ProvisionRequest, QueuedOperation | null>({
    one: (p) => insertProvisionRequest(db, p),
    many: (batch) => insertProvisionRequests(db, batch),
    keys: (p) => ['u:' + p.uuid]
  })
}

const LIVE = `state NOT IN ('deprovisioned', 'deprovisioning')`

const CHANGE_PLAN =
  `WITH moved AS (UPDATE instances SET plan = $3, failure_reason = NULL, updated_at = now() WHERE uuid = $1 AND plan = $2 AND ${LIVE} RETURNING uuid),
   a AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('plan_change_requested'), outcome: sqlLiteral('ok'), detail: '$4::jsonb', from: 'moved' })})
   ${operationInsertSql({ instance: 'uuid', kind: sqlLiteral('change_plan'), params: '$4::jsonb', from: 'moved' })}`

/**
 * Moves a live instance from plan `from` to `to`, records it and enqueues the change, in
 * one statement. null: the instance is no longer live on `from` (changed meanwhile).
 */
export async function requestPlanChange (db: Pool, uuid: string, from: string, to: string): Promise<QueuedOperation | null> {
  const r = await db.pool.query<OperationRowOut>(CHANGE_PLAN, [uuid, from, to, JSON.stringify({ from, to })])
  return r.rows[0] ? queued(r.rows[0]) : null
}

/** Puts the plan back after the change to `failed` failed (unless it changed again meanwhile). */
export async function revertPlan (db: Pool, uuid: string, failed: string, back: string): Promise<void> {
  await db.pool.query('UPDATE instances SET plan = $3, updated_at = now() WHERE uuid = $1 AND plan = $2', [uuid, failed, back])
}

const DEPROVISION =
  `WITH gone AS (UPDATE instances SET state = 'deprovisioned', deprovisioned_at = now(), purge_after = $2, updated_at = now() WHERE uuid = $1 AND ${LIVE} RETURNING uuid),
   a AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('deprovision_requested'), outcome: sqlLiteral('ok'), detail: '$3::jsonb', from: 'gone' })}),
   purge AS (${operationInsertSql({ instance: 'uuid', kind: sqlLiteral('purge'), notBefore: '$2::timestamptz', createdAt: `now() + interval '1 millisecond'`, from: 'gone' })})
   ${operationInsertSql({ instance: 'uuid', kind: sqlLiteral('deprovision'), from: 'gone' })}`

/**
 * Deprovisions a live instance: from this commit on every service refuses its credentials
 * and drains. Records it and enqueues the revocation and, after `purgeAfter`, the purge (in
 * that order), in one statement. null: already deprovisioned.
 */
export async function requestDeprovision (db: Pool, uuid: string, purgeAfter: Date): Promise<QueuedOperation | null> {
  const r = await db.pool.query<OperationRowOut>(DEPROVISION, [uuid, purgeAfter, JSON.stringify({ purge_after: purgeAfter.toISOString() })])
  return r.rows[0] ? queued(r.rows[0]) : null
}

const DECIDE = prepared('lifecycle.decide',
  `WITH d AS (
     UPDATE instances SET response_status = $1, response_body_enc = $2, updated_at = now(),
            state = CASE WHEN $4 AND state = 'provisioning' THEN 'provisioned'::"InstanceState" ELSE state END,
            provisioned_at = CASE WHEN $4 AND state = 'provisioning' THEN now() ELSE provisioned_at END
      WHERE uuid = $3 AND response_status IS NULL
     RETURNING uuid, state),
   a AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('provisioned'), outcome: sqlLiteral('ok'), detail: `'{"path":"sync"}'::jsonb`, from: 'd', where: `$4 AND state = 'provisioned'` })} RETURNING 1)
   SELECT count(*)::int AS n FROM d`)

/**
 * Stores the (sealed) provision answer unless one exists: compare-and-set on the row.
 * With `markProvisioned` the same statement moves the instance from provisioning to
 * provisioned and records it. Returns whether this call set it.
 */
export async function setDecisionOnce (db: Pool, uuid: string, status: number, bodyEnc: string, markProvisioned: boolean): Promise<boolean> {
  const r = await db.pool.query<{ n: number }>(DECIDE([status, bodyEnc, uuid, markProvisioned]))
  return r.rows[0]?.n === 1
}

const MARK_PROVISIONED = prepared('lifecycle.mark_provisioned',
  `WITH moved AS (UPDATE instances SET state = 'provisioned', provisioned_at = now(), updated_at = now()
                   WHERE uuid = $1 AND state = 'provisioning' RETURNING uuid)
   ${auditInsertSql({ instance: 'uuid', event: sqlLiteral('provisioned'), outcome: sqlLiteral('ok'), detail: '$2::jsonb', from: 'moved' })}`)

/**
 * Moves an instance from provisioning to provisioned and records it, once: whichever of
 * the gateway (sync answer) and the allocator (async completion) gets there first.
 * Never resurrects an instance deprovisioned meanwhile.
 */
export async function markProvisioned (db: Pool, uuid: string, path: 'sync' | 'async'): Promise<boolean> {
  const r = await db.pool.query(MARK_PROVISIONED([uuid, JSON.stringify({ path })]))
  return r.rowCount === 1
}

const SET_CONFIG_AUDITED =
  `WITH s AS (UPDATE instances SET config_enc = $2, updated_at = now() WHERE uuid = $1 RETURNING uuid)
   ${auditInsertSql({ instance: 'uuid', event: '$3::text', outcome: sqlLiteral('ok'), detail: '$4::jsonb', from: 's' })}`

/** Stores the sealed resource output; with `audit`, records the event in the same statement. */
export async function setConfigEnc (db: Pool, uuid: string, sealed: string, audit?: { event: string, detail: Record<string, unknown> }): Promise<void> {
  if (!audit) await db.pool.query('UPDATE instances SET config_enc = $2, updated_at = now() WHERE uuid = $1', [uuid, sealed])
  else await db.pool.query(SET_CONFIG_AUDITED, [uuid, sealed, audit.event, JSON.stringify(audit.detail)])
}

/** Platform API tokens as stored: sealed (contexts.oauth access/refresh) with their expiry. */
export interface SealedTokens { accessTokenEnc: string, refreshTokenEnc: string, expiresAt: Date }

const DECIDES = `$7::int IS NOT NULL AND response_status IS NULL`
const STORE_ALLOCATION = prepared('lifecycle.store_allocation',
  `WITH s AS (
     UPDATE instances SET config_enc = $2, updated_at = now(),
            response_status = CASE WHEN ${DECIDES} THEN $7::int ELSE response_status END,
            response_body_enc = CASE WHEN ${DECIDES} THEN $8 ELSE response_body_enc END,
            state = CASE WHEN ${DECIDES} AND $7::int = 200 AND state = 'provisioning' THEN 'provisioned'::"InstanceState" ELSE state END,
            provisioned_at = CASE WHEN ${DECIDES} AND $7::int = 200 AND state = 'provisioning' THEN now() ELSE provisioned_at END
      WHERE uuid = $1
     RETURNING uuid, response_status, response_body_enc, state, response_body_enc IS NOT DISTINCT FROM $8 AND $8 IS NOT NULL AS ours),
   a AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('allocated'), outcome: sqlLiteral('ok'), detail: '$3::jsonb', from: 's' })}),
   p AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('provisioned'), outcome: sqlLiteral('ok'), detail: `'{"path":"sync"}'::jsonb`, from: 's', where: `ours AND state = 'provisioned'` })}),
   t AS (UPDATE oauth_tokens SET access_token_enc = $4, refresh_token_enc = $5, expires_at = $6, grant_code_enc = NULL, updated_at = now()
          WHERE instance_uuid = $1 AND $4::text IS NOT NULL RETURNING instance_uuid),
   ta AS (${auditInsertSql({ instance: 'instance_uuid', event: sqlLiteral('grant_exchanged'), outcome: sqlLiteral('ok'), from: 't' })})
   SELECT uuid, response_status, response_body_enc, ours FROM s`)

/** A provision answer as stored: its status and sealed body (decision.ts). */
export interface StoredDecision { status: number, bodyEnc: string }

/**
 * A provision's allocation, in one statement: the sealed resource output with its audit
 * entry; when the grant exchange ran alongside the allocation, the Platform API tokens it
 * returned with theirs; and, with `decide`, the answer to Heroku, compare-and-set like
 * setDecisionOnce: set unless one exists, a 200 moving the instance from provisioning to
 * provisioned and recording it. Returns the answer that stands (read under the row lock,
 * so one committed before this is seen), or null, and whether this call set it.
 */
export async function storeAllocation (db: Pool, uuid: string, sealedOutput: string, detail: Record<string, unknown>, tokens: SealedTokens | null, decide: StoredDecision | null): Promise<{ decision: StoredDecision | null, ours: boolean }> {
  const r = await db.pool.query<StoredRow>(STORE_ALLOCATION(
    [uuid, sealedOutput, JSON.stringify(detail), tokens?.accessTokenEnc ?? null, tokens?.refreshTokenEnc ?? null, tokens?.expiresAt ?? null, decide?.status ?? null, decide?.bodyEnc ?? null]))
  return stored(uuid, r.rows[0])
}

interface StoredRow { uuid: string, response_status: number | null, response_body_enc: string | null, ours: boolean }

function stored (uuid: string, row: StoredRow | undefined): { decision: StoredDecision | null, ours: boolean } {
  if (!row) throw new Error(`instance ${uuid} does not exist`)
  const decision = row.response_status !== null && row.response_body_enc !== null ? { status: row.response_status, bodyEnc: row.response_body_enc } : null
  return { decision, ours: row.ours }
}

// STORE_ALLOCATION for several instances in one statement (group commit): the same writes
// and the same compare-and-set, each instance's from its own element of $1. Each join to a
// table also names its keys as an array (`= ANY(ARRAY(SELECT …))`): the planner takes a
// jsonb_to_recordset for 100 rows, so the join alone is planned as a hash join over a
// sequential scan of the whole table until the table holds tens of thousands of rows (the
// plan is generic and kept); an array of keys is looked up in the index at any size.
const BATCH_DECIDES = `r.status IS NOT NULL AND i.response_status IS NULL`
const STORE_ALLOCATIONS = prepared('lifecycle.store_allocations',
  `WITH r AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(uuid uuid, output text, detail jsonb, access text, refresh text, expires timestamptz, status int, body text)),
   s AS (
     UPDATE instances i SET config_enc = r.output, updated_at = now(),
            response_status = CASE WHEN ${BATCH_DECIDES} THEN r.status ELSE i.response_status END,
            response_body_enc = CASE WHEN ${BATCH_DECIDES} THEN r.body ELSE i.response_body_enc END,
            state = CASE WHEN ${BATCH_DECIDES} AND r.status = 200 AND i.state = 'provisioning' THEN 'provisioned'::"InstanceState" ELSE i.state END,
            provisioned_at = CASE WHEN ${BATCH_DECIDES} AND r.status = 200 AND i.state = 'provisioning' THEN now() ELSE i.provisioned_at END
       FROM r WHERE i.uuid = r.uuid AND i.uuid = ANY(ARRAY(SELECT uuid FROM r))
     RETURNING i.uuid, i.response_status, i.response_body_enc, i.state, r.detail, i.response_body_enc IS NOT DISTINCT FROM r.body AND r.body IS NOT NULL AS ours),
   a AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('allocated'), outcome: sqlLiteral('ok'), detail: 'detail', from: 's' })}),
   p AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('provisioned'), outcome: sqlLiteral('ok'), detail: `'{"path":"sync"}'::jsonb`, from: 's', where: `ours AND state = 'provisioned'` })}),
   t AS (UPDATE oauth_tokens o SET access_token_enc = r.access, refresh_token_enc = r.refresh, expires_at = r.expires, grant_code_enc = NULL, updated_at = now()
           FROM r WHERE o.instance_uuid = r.uuid AND r.access IS NOT NULL AND o.instance_uuid = ANY(ARRAY(SELECT uuid FROM r WHERE access IS NOT NULL)) RETURNING o.instance_uuid),
   ta AS (${auditInsertSql({ instance: 'instance_uuid', event: sqlLiteral('grant_exchanged'), outcome: sqlLiteral('ok'), from: 't' })})
   SELECT uuid, response_status, response_body_enc, ours FROM s`)

/** What storeAllocation stores for one instance. */
export interface Allocation { uuid: string, sealedOutput: string, detail: Record<string, unknown>, tokens: SealedTokens | null, decide: StoredDecision | null }

/** storeAllocation for several instances (no two the same) in one statement; a missing instance is null. */
export async function storeAllocations (db: Pool, xs: Allocation[]): Promise<Array<StoredRow | null>> {
  const json = JSON.stringify(xs.map((x) => ({
    uuid: x.uuid, output: x.sealedOutput, detail: x.detail, access: x.tokens?.accessTokenEnc ?? null, refresh: x.tokens?.refreshTokenEnc ?? null,
    expires: x.tokens?.expiresAt ?? null, status: x.decide?.status ?? null, body: x.decide?.bodyEnc ?? null
  })))
  const r = await db.pool.query<StoredRow>(STORE_ALLOCATIONS([json]))
  const byUuid = new Map(r.rows.map((row) => [uuidKey(row.uuid), row]))
  return xs.map((x) => byUuid.get(uuidKey(x.uuid)) ?? null)
}

/**
 * A group-committed storeAllocation for one process (group-commit.ts): allocations that
 * finish while another's statement is in flight (the provisions claimed together) are
 * stored together in the next one; alone, at once. Same writes, same answer that stands.
 */
export function allocationStorer (db: Pool): (x: Allocation) => Promise<{ decision: StoredDecision | null, ours: boolean }> {
  const run = groupCommit<Allocation, StoredRow | null>({
    one: async (x) => (await db.pool.query<StoredRow>(STORE_ALLOCATION([x.uuid, x.sealedOutput, JSON.stringify(x.detail), x.tokens?.accessTokenEnc ?? null, x.tokens?.refreshTokenEnc ?? null, x.tokens?.expiresAt ?? null, x.decide?.status ?? null, x.decide?.bodyEnc ?? null]))).rows[0] ?? null,
    many: (xs) => storeAllocations(db, xs),
    keys: (x) => [x.uuid]
  })
  return async (x) => stored(x.uuid, await run(x) ?? undefined)
}

/** A provision that failed for good: the instance is failed with the reason (unless it moved on meanwhile). */
export async function failProvisioning (db: Pool, uuid: string, reason: string): Promise<void> {
  await db.pool.query(`UPDATE instances SET state = 'failed', failure_reason = $2, updated_at = now() WHERE uuid = $1 AND state = 'provisioning'`, [uuid, reason])
}

/** Another operation that failed for good: the reason is shown with the instance. */
export async function noteFailure (db: Pool, uuid: string, reason: string): Promise<void> {
  await db.pool.query('UPDATE instances SET failure_reason = $2, updated_at = now() WHERE uuid = $1', [uuid, reason])
}

/** After the grace period: the instance keeps its row (and audit trail) but no secrets. */
export async function markPurged (db: Pool, uuid: string): Promise<void> {
  await db.pool.query('UPDATE instances SET purged_at = now(), config_enc = NULL, response_body_enc = NULL, log_input_url_enc = NULL, updated_at = now() WHERE uuid = $1', [uuid])
}
