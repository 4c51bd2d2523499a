// Autoscaling data for the Autoscaling page's tests, written the way the log-drain and the
// allocator leave it: router_windows rows (10-second windows with a service-time histogram)
// for a log tenant, and decisions as packages/autoscale's decide() returns them.
import type { Db } from '@addonkit/db'
import { emptyWindow, record, toStored, type Decision, type DecisionAction } from '@addonkit/autoscale'

export interface WindowInit { requests: number, serviceMs: number }

/** One 10-second window of `processType` starting at `start` (ms, a multiple of 10 s). */
export async function insertWindow (db: Db, tenantId: string, processType: string, start: number, o: WindowInit): Promise<void> {
  const w = emptyWindow(tenantId, processType, start)
  w.requests = o.requests
  w.statuses['2xx'] = o.requests
  record(w.service, o.serviceMs, o.requests)
  const r = toStored(w)
  await db.pool.query(
    `INSERT INTO router_windows (tenant_id, process_type, window_start, requests, statuses, errors, service, connect, queue)
     VALUES ($1, $2, $3, $4, $5, '{}', $6, $7, $8)`,
    [tenantId, processType, new Date(start), r.requests, r.statuses, r.service, r.connect, r.queue])
}

export interface DecisionInit { action?: DecisionAction, applied?: boolean, reason?: string, value?: number | null }

export function decision (processType: string, from: number, to: number, o: DecisionInit = {}): Decision {
  const action = o.action ?? 'scale'
  return {
    action,
    processType,
    from,
    to,
    ...(to > from ? { direction: 'up' as const } : to < from ? { direction: 'down' as const } : {}),
    value: o.value ?? null,
    bounds: { min: 1, max: 10 },
    applied: o.applied ?? action === 'scale',
    reason: o.reason ?? `test decision ${processType} ${from} → ${to}`
  }
}
