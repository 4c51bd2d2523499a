// What the Autoscaling page shows of an add-on, read in one go: the policies, what the
// allocator recorded of the app and its process types, the decisions, the last hour of
// metric windows, people's formation changes (from the audit log) and a connected account.
// A process type is listed when it has a policy or the formation shows it.
import type { Policy } from '@addonkit/autoscale'
import type { Db } from '@addonkit/db'
import { recentWindows } from '@addonkit/log-store'
import { loadApp, loadPolicies, loadStates, recentDecisions, type AppRecord, type DecisionRecord, type ProcessTypeState } from '@addonkit/lifecycle'
import { connectedAccount, type ConnectedAccount } from './heroku-account.js'
import { CHART_SPAN_MS, metricSeries, type MetricSeries, type ScaleMark } from './metric-series.js'

export interface ProcessTypeView {
  processType: string
  policy: Policy | null
  state: ProcessTypeState | null
  /** The chart's data; null without a policy (no metric to chart). */
  series: MetricSeries | null
}

/** Decisions shown in the history (and read for the chart's scale events). */
export const HISTORY_LIMIT = 50
const READ_LIMIT = 500

export interface AutoscalingData {
  app: AppRecord | null
  account: ConnectedAccount | null
  types: ProcessTypeView[]
  decisions: DecisionRecord[]
  policyTypes: string[]
}

interface PersonChangeDetail { process_type?: unknown, from?: unknown, to?: unknown }

export async function loadAutoscaling (db: Db, uuid: string, now: Date): Promise<AutoscalingData> {
  const since = now.getTime() - CHART_SPAN_MS
  const [policies, states, app, decisions, windows, account, people] = await Promise.all([
    loadPolicies(db, uuid),
    loadStates(db, uuid),
    loadApp(db, uuid),
    recentDecisions(db, uuid, READ_LIMIT),
    recentWindows(db.pool, uuid, since),
    connectedAccount(db, uuid),
    db.prisma.auditEvent.findMany({ where: { instanceUuid: uuid, event: 'formation_changed_by_person', at: { gte: new Date(since) } }, orderBy: { at: 'asc' } })
  ])
  const marks = (type: string): ScaleMark[] => [
    ...decisions.filter((d) => d.processType === type && d.action === 'scale' && d.outcome === 'done' && d.at.getTime() >= since)
      .map((d) => ({ at: d.at, from: d.from, to: d.to, by: 'autoscaler' as const })),
    // noteChange audits each person's change when the allocator sees it (webhook or formation read).
    ...people.flatMap((e) => {
      const d = (e.detail ?? {}) as PersonChangeDetail
      return d.process_type === type && typeof d.from === 'number' && typeof d.to === 'number' ? [{ at: e.at, from: d.from, to: d.to, by: 'person' as const }] : []
    })
  ]
  const names = [...new Set([...policies.map((p) => p.processType), ...states.map((s) => s.processType)])].sort()
  const types = names.map((processType): ProcessTypeView => {
    const policy = policies.find((p) => p.processType === processType)?.policy ?? null
    const state = states.find((s) => s.processType === processType) ?? null
    return {
      processType,
      policy,
      state,
      series: policy ? metricSeries(processType, policy, windows, state?.quantity ?? null, marks(processType), now.getTime()) : null
    }
  })
  return { app, account, types, decisions: decisions.slice(0, HISTORY_LIMIT), policyTypes: policies.map((p) => p.processType) }
}
