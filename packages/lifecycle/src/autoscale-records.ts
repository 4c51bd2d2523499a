// What Addonkit keeps about autoscaling an add-on's app, in one place for the three that
// use it: the data API and the dashboard set policies and read decisions; the allocator
// decides, acts, and records what it knows of the app (formation, the last change and
// who made it, releases, authorization, the rate limit) and every decision with its reason.
import type { Db, Prisma } from '@addonkit/db'
import { validatePolicy, type AutoscaleState, type Decision, type Policy } from '@addonkit/autoscale'
import { audit, auditInsertSql, sqlLiteral } from './audit.js'

type Tx = Prisma.TransactionClient

export interface StoredPolicy { processType: string, policy: Policy, updatedAt: Date }

export type DecisionOutcome = 'recorded' | 'pending' | 'done' | 'failed' | 'needs_authorization' | 'rate_limited' | 'skipped'

export interface DecisionRecord {
  id: string
  processType: string
  at: Date
  action: string
  from: number
  to: number
  applied: boolean
  reason: string
  value: number | null
  outcome: DecisionOutcome
  error: string | null
}

export interface ProcessTypeState {
  processType: string
  quantity: number | null
  size: string | null
  formationAt: Date | null
  lastChange: { at: Date, from: number, to: number, by: 'autoscaler' | 'person' } | null
  lastDecision: DecisionRecord | null
}

export interface AppRecord {
  appId: string | null
  appName: string | null
  lastReleaseAt: Date | null
  authorization: 'partner' | 'user' | 'needs_user' | null
  rateLimitRemaining: number | null
  rateLimitedUntil: Date | null
  webhookId: string | null
  webhookSecretEnc: string | null
  webhookProblem: string | null
}

/** The policies of an add-on, by process type. Rows that no longer validate are left out. */
export async function loadPolicies (db: Db, instanceUuid: string): Promise<StoredPolicy[]> {
  const rows = await db.prisma.autoscalePolicy.findMany({ where: { instanceUuid }, orderBy: { processType: 'asc' } })
  const out: StoredPolicy[] = []
  for (const r of rows) {
    const v = validatePolicy(r.policy)
    if (v.ok) out.push({ processType: r.processType, policy: v.policy, updatedAt: r.updatedAt })
  }
  return out
}

/** Instances with at least one policy, for the autoscaler's rounds. */
export async function instancesWithPolicies (db: Db): Promise<string[]> {
  const r = await db.pool.query<{ instance_uuid: string }>(
    `SELECT DISTINCT p.instance_uuid FROM autoscale_policies p JOIN instances i ON i.uuid = p.instance_uuid WHERE i.state = 'provisioned'`)
  return r.rows.map((x) => x.instance_uuid)
}

export async function savePolicy (db: Db, instanceUuid: string, processType: string, policy: Policy, by: string): Promise<StoredPolicy> {
  const json = policy as unknown as Prisma.InputJsonValue
  const row = await db.prisma.autoscalePolicy.upsert({
    where: { instanceUuid_processType: { instanceUuid, processType } },
    create: { instanceUuid, processType, policy: json },
    update: { policy: json }
  })
  await audit(db.pool, instanceUuid, 'autoscale_policy_changed', 'ok', { process_type: processType, by, enabled: policy.enabled, min: policy.min, max: policy.max, metric: policy.metric })
  return { processType, policy, updatedAt: row.updatedAt }
}

export async function deletePolicy (db: Db, instanceUuid: string, processType: string, by: string): Promise<boolean> {
  const r = await db.prisma.autoscalePolicy.deleteMany({ where: { instanceUuid, processType } })
  if (r.count > 0) await audit(db.pool, instanceUuid, 'autoscale_policy_removed', 'ok', { process_type: processType, by })
  return r.count > 0
}

function toDecision (r: { id: bigint, processType: string, at: Date, action: string, fromQuantity: number, toQuantity: number, applied: boolean, reason: string, value: number | null, outcome: string, error: string | null }): DecisionRecord {
  return { id: String(r.id), processType: r.processType, at: r.at, action: r.action, from: r.fromQuantity, to: r.toQuantity, applied: r.applied, reason: r.reason, value: r.value, outcome: r.outcome as DecisionOutcome, error: r.error }
}

export async function recentDecisions (db: Db, instanceUuid: string, limit = 50): Promise<DecisionRecord[]> {
  const rows = await db.prisma.autoscaleDecision.findMany({ where: { instanceUuid }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: limit })
  return rows.map(toDecision)
}

export async function loadStates (db: Db, instanceUuid: string): Promise<ProcessTypeState[]> {
  const rows = await db.prisma.autoscaleState.findMany({ where: { instanceUuid }, orderBy: { processType: 'asc' } })
  return rows.map((r) => ({
    processType: r.processType,
    quantity: r.quantity,
    size: r.size,
    formationAt: r.formationAt,
    lastChange: r.lastChangeAt && r.lastChangeFrom !== null && r.lastChangeTo !== null ? { at: r.lastChangeAt, from: r.lastChangeFrom, to: r.lastChangeTo, by: r.lastChangeBy === 'person' ? 'person' : 'autoscaler' } : null,
    lastDecision: r.lastDecision ? reviveDecision(r.lastDecision as Record<string, unknown>) : null
  }))
}

function reviveDecision (j: Record<string, unknown>): DecisionRecord {
  return { ...(j as unknown as DecisionRecord), at: new Date(String(j.at)) }
}

/** The decide() state of a process type: its last change and the app's last release. */
export function decisionState (s: ProcessTypeState | undefined, app: AppRecord | null): AutoscaleState {
  return {
    ...(s?.lastChange ? { lastChange: { at: s.lastChange.at.getTime(), from: s.lastChange.from, to: s.lastChange.to, by: s.lastChange.by } } : {}),
    ...(app?.lastReleaseAt ? { lastReleaseAt: app.lastReleaseAt.getTime() } : {})
  }
}

/** Records a decision; the process type's last decision follows it. */
/** The decision an operation carries out (recorded with its id), if any. */
export async function decisionOfOperation (db: Db, operationId: string): Promise<string | null> {
  const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM autoscale_decisions WHERE operation_id = $1 ORDER BY at DESC LIMIT 1', [operationId])
  return rows[0]?.id ?? null
}

export async function recordDecision (db: Db, instanceUuid: string, d: Decision, outcome: DecisionOutcome, o: { error?: string, operationId?: string, at?: Date } = {}): Promise<DecisionRecord> {
  const row = await db.prisma.autoscaleDecision.create({
    data: {
      instanceUuid,
      processType: d.processType,
      ...(o.at ? { at: o.at } : {}),
      action: d.action,
      fromQuantity: d.from,
      toQuantity: d.to,
      applied: d.applied,
      reason: d.reason,
      value: d.value,
      outcome,
      error: o.error ?? null,
      operationId: o.operationId ?? null
    }
  })
  const rec = toDecision(row)
  await db.prisma.autoscaleState.upsert({
    where: { instanceUuid_processType: { instanceUuid, processType: d.processType } },
    create: { instanceUuid, processType: d.processType, lastDecision: rec as unknown as Prisma.InputJsonValue, lastDecisionAt: rec.at },
    update: { lastDecision: rec as unknown as Prisma.InputJsonValue, lastDecisionAt: rec.at }
  })
  return rec
}

/** Sets how a recorded decision turned out (an operation applied it, or Heroku refused it). */
export async function settleDecision (db: Db, id: string, outcome: DecisionOutcome, error?: string): Promise<void> {
  await db.prisma.$transaction((tx) => writeSettlement(tx, id, outcome, error))
}

async function writeSettlement (tx: Tx, id: string, outcome: DecisionOutcome, error?: string): Promise<void> {
  const row = await tx.autoscaleDecision.update({ where: { id: BigInt(id) }, data: { outcome, error: error ?? null } })
  const rec = toDecision(row)
  await tx.autoscaleState.updateMany({
    where: { instanceUuid: row.instanceUuid, processType: row.processType, lastDecisionAt: row.at },
    data: { lastDecision: rec as unknown as Prisma.InputJsonValue }
  })
}

/** The formation just read (or just set) for a process type. */
export async function noteFormation (db: Db, instanceUuid: string, processType: string, quantity: number, size: string | null, at = new Date()): Promise<void> {
  await db.prisma.autoscaleState.upsert({
    where: { instanceUuid_processType: { instanceUuid, processType } },
    create: { instanceUuid, processType, quantity, size, formationAt: at },
    update: { quantity, size, formationAt: at }
  })
}

export type FormationChange = { at: Date, from: number, to: number, by: 'autoscaler' | 'person' }

/** A change of a process type's quantity, by us or by a person (a person's pauses autoscaling). */
export async function noteChange (db: Db, instanceUuid: string, processType: string, change: FormationChange): Promise<void> {
  await db.prisma.$transaction((tx) => writeChange(tx, instanceUuid, processType, change))
}

async function writeChange (tx: Tx, instanceUuid: string, processType: string, change: FormationChange): Promise<void> {
  const data = { quantity: change.to, formationAt: change.at, lastChangeAt: change.at, lastChangeFrom: change.from, lastChangeTo: change.to, lastChangeBy: change.by }
  await tx.autoscaleState.upsert({
    where: { instanceUuid_processType: { instanceUuid, processType } },
    create: { instanceUuid, processType, ...data },
    update: data
  })
  if (change.by === 'person') await audit(tx, instanceUuid, 'formation_changed_by_person', 'ok', { process_type: processType, from: change.from, to: change.to })
}

/** How one scale operation ended: what it saw or did to the formation, how its decision turned out, and its audit entry. */
export interface ScaleOutcome {
  instanceUuid: string
  processType: string
  change?: FormationChange
  decision?: { id: string, outcome: DecisionOutcome, error?: string }
  audit?: { outcome: 'ok' | 'refused', detail: Record<string, unknown> }
}

/**
 * Records a scale operation's end in one transaction: a reader (the data API, the
 * Autoscaling page) sees the formation change, the settled decision and the audit entry
 * together or none of them. Written separately, a reader could see the change with its
 * decision still `pending` (a CI run of infra/test/autoscaling-e2e.test.ts did).
 */
export async function recordScaleOutcome (db: Db, o: ScaleOutcome): Promise<void> {
  await db.prisma.$transaction(async (tx) => {
    if (o.change) await writeChange(tx, o.instanceUuid, o.processType, o.change)
    if (o.decision) await writeSettlement(tx, o.decision.id, o.decision.outcome, o.decision.error)
    if (o.audit) await audit(tx, o.instanceUuid, 'autoscaled', o.audit.outcome, o.audit.detail)
  })
}

export async function loadApp (db: Db, instanceUuid: string): Promise<AppRecord | null> {
  const r = await db.prisma.autoscaleApp.findUnique({ where: { instanceUuid } })
  if (!r) return null
  return {
    appId: r.appId,
    appName: r.appName,
    lastReleaseAt: r.lastReleaseAt,
    authorization: r.authorization as AppRecord['authorization'],
    rateLimitRemaining: r.rateLimitRemaining,
    rateLimitedUntil: r.rateLimitedUntil,
    webhookId: r.webhookId,
    webhookSecretEnc: r.webhookSecretEnc,
    webhookProblem: r.webhookProblem
  }
}

export async function saveApp (db: Db, instanceUuid: string, patch: Partial<AppRecord>): Promise<void> {
  await db.prisma.autoscaleApp.upsert({ where: { instanceUuid }, create: { instanceUuid, ...patch }, update: patch })
}

// `rows`: a relation with a jsonb column `w`, one webhook record per row (webhookRecord's `row`).
function webhookCtes (rows: string): string {
  return `whr AS (SELECT x.* FROM ${rows} AS s, jsonb_to_record(s.w) AS x(instance_uuid uuid, webhook_id text, secret_enc text, problem text, outcome text, detail jsonb)),
   wh AS (INSERT INTO autoscale_apps (instance_uuid, webhook_id, webhook_secret_enc, webhook_problem, updated_at)
     SELECT instance_uuid, webhook_id, secret_enc, problem, now() FROM whr ORDER BY instance_uuid
     ON CONFLICT (instance_uuid) DO UPDATE SET webhook_id = coalesce(EXCLUDED.webhook_id, autoscale_apps.webhook_id),
       webhook_secret_enc = coalesce(EXCLUDED.webhook_secret_enc, autoscale_apps.webhook_secret_enc), webhook_problem = EXCLUDED.webhook_problem, updated_at = now()
     RETURNING instance_uuid),
   wha AS (${auditInsertSql({ instance: 'instance_uuid', event: sqlLiteral('webhook_subscribed'), outcome: 'whr.outcome', detail: 'whr.detail', from: 'wh JOIN whr USING (instance_uuid)' })})`
}

export type WebhookOutcome = { id: string, secretEnc: string, include: string[] } | { problem: string }

/**
 * A write that goes into another statement as CTEs (the allocator's statement that finishes
 * operations, one round trip for one or several): `ctes(rows)` writes every row of the
 * relation `rows`, whose jsonb column `w` holds one `row` each; `name` tells kinds of write
 * apart (one statement text per set of kinds).
 */
export interface RowWrite { name: string, ctes: (rows: string) => string, row: Record<string, unknown> }

/**
 * The add-on webhook of a provision with its audit entry (plain SQL: the provision path),
 * for the allocator's statement that finishes the operation: created (its id and sealed
 * secret; any earlier problem cleared), or why it could not be (an existing webhook is kept).
 */
export function webhookRecord (instanceUuid: string, w: WebhookOutcome): RowWrite {
  const ok = 'id' in w
  return {
    name: 'webhook',
    ctes: webhookCtes,
    row: { instance_uuid: instanceUuid, webhook_id: ok ? w.id : null, secret_enc: ok ? w.secretEnc : null, problem: ok ? null : w.problem, outcome: ok ? 'ok' : 'failed', detail: ok ? { include: w.include } : { reason: w.problem } }
  }
}

/** Forgets an add-on's autoscaling (at purge): policies, state, decisions, app, webhook events. */
export async function purgeAutoscaling (db: Db, instanceUuid: string): Promise<void> {
  for (const table of ['autoscale_policies', 'autoscale_state', 'autoscale_decisions', 'autoscale_apps', 'webhook_events', 'user_oauth_tokens']) {
    await db.pool.query(`DELETE FROM ${table} WHERE instance_uuid = $1`, [instanceUuid])
  }
}

/** The process type's last decision, without adding to the history (an evaluation that changed nothing). */
export async function noteLastDecision (db: Db, instanceUuid: string, d: Decision, outcome: DecisionOutcome, at = new Date(), error: string | null = null): Promise<void> {
  const rec: DecisionRecord = { id: '', processType: d.processType, at, action: d.action, from: d.from, to: d.to, applied: d.applied, reason: d.reason, value: d.value, outcome, error }
  await db.prisma.autoscaleState.upsert({
    where: { instanceUuid_processType: { instanceUuid, processType: d.processType } },
    create: { instanceUuid, processType: d.processType, lastDecision: rec as unknown as Prisma.InputJsonValue, lastDecisionAt: at },
    update: { lastDecision: rec as unknown as Prisma.InputJsonValue, lastDecisionAt: at }
  })
}
