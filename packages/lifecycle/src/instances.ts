// Reading an instance row with plain SQL, for the hot paths of provisioning.
import type { Db } from '@addonkit/db'

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

export async function loadInstance (db: Db, uuid: string): Promise<InstanceRow | null> {
  const r = await db.pool.query<InstanceRow>(
    'SELECT uuid, name, plan, region, driver, state, options, log_drain_token, config_enc, failure_reason, created_at FROM instances WHERE uuid = $1', [uuid])
  return r.rows[0] ?? null
}
