// The answer Heroku got for a provision request is decided exactly once (compare-and-set
// on the instance row) and replayed byte-for-byte on every retry (protocol §4.4). The body is
// sealed because a synchronous answer carries config vars with credentials.
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { setDecisionOnce } from './instances.js'
import { auditInsertSql, sqlLiteral } from './audit.js'
import { prepared } from './sql.js'

export interface Decision { status: number, body: Record<string, unknown> }

const aad = contexts.provisionResponse

/**
 * Stores the decision unless one exists; returns the decision that stands. A 200 is
 * Heroku's "provisioned": with `markProvisioned` the same statement moves the instance
 * from provisioning to provisioned and records it (instances.ts setDecisionOnce).
 */
export async function decideOnce (db: Db, ring: KeyRing, uuid: string, decision: Decision, opts: { markProvisioned?: boolean } = {}): Promise<Decision> {
  const sealed = sealDecisionBody(ring, uuid, decision.body)
  const mark = Boolean(opts.markProvisioned && decision.status === 200)
  if (await setDecisionOnce(db, uuid, decision.status, sealed, mark)) return decision
  const existing = await readDecision(db, ring, uuid)
  if (!existing) throw new Error(`instance ${uuid} has no decision after a lost compare-and-set`)
  return existing
}

/** A decision's body sealed as it is stored (and carried by the `ready` event: ciphertext only). */
export function sealDecisionBody (ring: KeyRing, uuid: string, body: Record<string, unknown>): string {
  return ring.sealJson(body, aad(uuid))
}

export function openDecisionBody (ring: KeyRing, uuid: string, sealed: string): Record<string, unknown> {
  return ring.openJson<Record<string, unknown>>(sealed, aad(uuid))
}

const READ_DECISION = prepared('lifecycle.read_decision', 'SELECT response_status, response_body_enc FROM instances WHERE uuid = $1')

export async function readDecision (db: Db, ring: KeyRing, uuid: string): Promise<Decision | null> {
  const r = await db.pool.query<{ response_status: number | null, response_body_enc: string | null }>(READ_DECISION([uuid]))
  const row = r.rows[0]
  if (!row || row.response_status === null || !row.response_body_enc) return null
  return { status: row.response_status, body: ring.openJson(row.response_body_enc, aad(uuid)) }
}

/** The 202 body: Heroku shows `message` while the add-on is being created (protocol §4.3). */
export function asyncProvisionBody (uuid: string, addonName: string): Record<string, unknown> {
  return { id: uuid, message: `${addonName} is being provisioned. Your app restarts with its config vars when it is ready.` }
}

/** The 200 body: config vars, and the drain URL when the add-on requires syslog_drain (protocol §4.2). */
export function syncProvisionBody (uuid: string, addonName: string, out: { config: Record<string, string>, logDrainUrl?: string }): Record<string, unknown> {
  return {
    id: uuid,
    config: out.config,
    message: `${addonName} is ready. Open its dashboard with \`heroku addons:open\`.`,
    ...(out.logDrainUrl ? { log_drain_url: out.logDrainUrl } : {})
  }
}

export interface ProvisionState {
  decision: Decision | null
  state: string
  failureReason: string | null
  /** The sealed resource output (open it with openResourceOutput). */
  configEnc: string | null
}

const READ_PROVISION_STATE = prepared('lifecycle.read_provision_state', 'SELECT response_status, response_body_enc, state, failure_reason, config_enc FROM instances WHERE uuid = $1')

/** Everything a provision waiter needs, in one query. */
export async function readProvisionState (db: Db, ring: KeyRing, uuid: string): Promise<ProvisionState | null> {
  const r = await db.pool.query<{ response_status: number | null, response_body_enc: string | null, state: string, failure_reason: string | null, config_enc: string | null }>(
    READ_PROVISION_STATE([uuid]))
  const row = r.rows[0]
  if (!row) return null
  const decision = row.response_status !== null && row.response_body_enc ? { status: row.response_status, body: ring.openJson<Record<string, unknown>>(row.response_body_enc, aad(uuid)) } : null
  return { decision, state: row.state, failureReason: row.failure_reason, configEnc: row.config_enc }
}

/** A retry of a provision request as the gateway first sees it (readProvisionReplay). */
export interface ProvisionReplay extends ProvisionState {
  plan: string
  /** The plan the first request asked for (the instance's may have changed since). */
  firstPlan: string
}

const READ_REPLAY = prepared('lifecycle.read_replay',
  `WITH i AS (SELECT uuid, plan, state, response_status, response_body_enc, failure_reason, config_enc FROM instances WHERE uuid = $1),
   f AS (SELECT params->>'plan' AS plan FROM operations WHERE instance_uuid = $1 AND kind = 'provision' ORDER BY created_at LIMIT 1),
   r AS (SELECT i.*, coalesce((SELECT plan FROM f), i.plan) AS first_plan FROM i),
   a AS (${auditInsertSql({ instance: 'uuid', event: sqlLiteral('provision_replayed'), outcome: sqlLiteral('noop'), from: 'r', where: `state NOT IN ('deprovisioned', 'deprovisioning') AND first_plan = $2` })})
   SELECT plan, state, response_status, response_body_enc, failure_reason, config_enc, first_plan FROM r`)

/**
 * Everything the gateway needs to answer a retry of a provision request, in one statement:
 * the instance's state and plan, the plan the first request asked for, the answer if
 * decided and the sealed output; it records the retry (audit provision_replayed) when it
 * will be answered, i.e. the instance is live and `plan` is the first request's.
 */
export async function readProvisionReplay (db: Db, ring: KeyRing, uuid: string, plan: string): Promise<ProvisionReplay | null> {
  const r = await db.pool.query<{ plan: string, state: string, response_status: number | null, response_body_enc: string | null, failure_reason: string | null, config_enc: string | null, first_plan: string }>(READ_REPLAY([uuid, plan]))
  const row = r.rows[0]
  if (!row) return null
  const decision = row.response_status !== null && row.response_body_enc ? { status: row.response_status, body: openDecisionBody(ring, uuid, row.response_body_enc) } : null
  return { decision, state: row.state, failureReason: row.failure_reason, configEnc: row.config_enc, plan: row.plan, firstPlan: row.first_plan }
}
