// What a driver handed out for an instance: its config vars and, for add-ons that require
// `syslog_drain`, the drain URL. Both carry credentials, so they are stored sealed.
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { setConfigEnc } from './instances.js'

export interface ResourceOutput { config: Record<string, string>, logDrainUrl?: string }

const aad = contexts.resourceConfig

/** Stores the output sealed; with `audit`, records the event in the same statement. */
export async function storeResourceOutput (db: Db, ring: KeyRing, uuid: string, out: ResourceOutput, audit?: { event: string, detail: Record<string, unknown> }): Promise<void> {
  await setConfigEnc(db, uuid, sealResourceOutput(ring, uuid, out), audit)
}

/** The output sealed as it is stored (and carried by the `ready` event: ciphertext only). */
export function sealResourceOutput (ring: KeyRing, uuid: string, out: ResourceOutput): string {
  return ring.sealJson(out, aad(uuid))
}

export function openResourceOutput (ring: KeyRing, uuid: string, sealed: string | null): ResourceOutput | null {
  return sealed ? ring.openJson<ResourceOutput>(sealed, aad(uuid)) : null
}
