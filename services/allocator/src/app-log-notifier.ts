// Tells a customer something in their app's own log stream (`heroku logs`), through the
// log_input_url Heroku gave at provisioning (protocol §11.2; the add-on requires log_input):
// postAddonLogEvent (@addonkit/platform-api), the writer every service shares.
// Best effort: instances without a log input URL are skipped.
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { preparing } from '@addonkit/lifecycle'
import { addonUserAgent, postAddonLogEvent, postAppLogs, type AddonIdentity } from '@addonkit/platform-api'

/**
 * Writes `message` to the instance's app log. `logInputUrlEnc`: the sealed URL if the caller
 * already read it (null: the instance has none; the provision's claim reads it, issue 20),
 * so the line costs no statement; undefined: read it here.
 */
export type AppLogNotifier = (instanceUuid: string, message: string, logInputUrlEnc?: string | null) => Promise<void>

export function appLogNotifier (db: Db, keyRing: KeyRing, addon: AddonIdentity): AppLogNotifier {
  // Its read of the log_input_url follows other operations than a provision: prepared (lifecycle preparing).
  const prepared = { ...db, pool: preparing(db.pool) as Db['pool'] }
  return async function notify (instanceUuid, message, logInputUrlEnc) {
    if (logInputUrlEnc === undefined) { await postAddonLogEvent({ db: prepared, keyRing, addon }, instanceUuid, message); return }
    if (logInputUrlEnc === null) return
    // What postAddonLogEvent does after its read: the same line, User-Agent and frame.
    await postAppLogs(keyRing.open(logInputUrlEnc, contexts.logInputUrl(instanceUuid)), [{ message }], { addonId: instanceUuid, userAgent: addonUserAgent(addon) })
  }
}
