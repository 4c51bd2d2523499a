// Tells a customer something in their app's own log stream (`heroku logs`), through the
// log_input_url Heroku gave at provisioning (protocol §11.2; the add-on requires log_input):
// postAddonLogEvent (@addonkit/platform-api), the writer every service shares.
// Best effort: instances without a log input URL are skipped.
import type { Db } from '@addonkit/db'
import type { KeyRing } from '@addonkit/secrets'
import { preparing } from '@addonkit/lifecycle'
import { postAddonLogEvent, type AddonIdentity } from '@addonkit/platform-api'

export function appLogNotifier (db: Db, keyRing: KeyRing, addon: AddonIdentity) {
  // Its read of the log_input_url follows every provision: prepared (lifecycle preparing).
  const prepared = { ...db, pool: preparing(db.pool) as Db['pool'] }
  return async function notify (instanceUuid: string, message: string): Promise<void> {
    await postAddonLogEvent({ db: prepared, keyRing, addon }, instanceUuid, message)
  }
}
