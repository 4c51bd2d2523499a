// What a driver handed out for an instance: its config vars and, for add-ons that require
// `syslog_drain`, the drain URL. Both carry credentials, so they are stored sealed.
import type { Db } from '@addonkit/db'
import type { KeyRing } from '@addonkit/secrets'

export interface ResourceOutput { config: Record<string, string>, logDrainUrl?: string }

const aad = (uuid: string) => `config:${uuid}`

export async function storeResourceOutput (db: Db, ring: KeyRing, uuid: string, out: ResourceOutput): Promise<void> {
  await db.pool.query('UPDATE instances SET config_enc = $2, updated_at = now() WHERE uuid = $1', [uuid, ring.sealJson(out, aad(uuid))])
}

export function openResourceOutput (ring: KeyRing, uuid: string, sealed: string | null): ResourceOutput | null {
  return sealed ? ring.openJson<ResourceOutput>(sealed, aad(uuid)) : null
}
