// What a driver handed out for an instance: its config vars and, for add-ons that require
// `syslog_drain`, the drain URL. Both carry credentials, so they are stored sealed.
import type { Db } from '@addonkit/db'
import type { KeyRing } from '@addonkit/secrets'

export interface ResourceOutput { config: Record<string, string>, logDrainUrl?: string }

const aad = (uuid: string) => `config:${uuid}`

/** Stores the output sealed; with `audit`, records the event in the same statement. */
export async function storeResourceOutput (db: Db, ring: KeyRing, uuid: string, out: ResourceOutput, audit?: { event: string, detail: Record<string, unknown> }): Promise<void> {
  const sealed = ring.sealJson(out, aad(uuid))
  if (!audit) {
    await db.pool.query('UPDATE instances SET config_enc = $2, updated_at = now() WHERE uuid = $1', [uuid, sealed])
    return
  }
  await db.pool.query(
    `WITH s AS (UPDATE instances SET config_enc = $2, updated_at = now() WHERE uuid = $1 RETURNING uuid)
     INSERT INTO audit_events (instance_uuid, event, outcome, detail) SELECT uuid, $3, 'ok', $4::jsonb FROM s`,
    [uuid, sealed, audit.event, JSON.stringify(audit.detail)])
}

export function openResourceOutput (ring: KeyRing, uuid: string, sealed: string | null): ResourceOutput | null {
  return sealed ? ring.openJson<ResourceOutput>(sealed, aad(uuid)) : null
}
