// Tells a customer something in their app's own log stream (`heroku logs`), through the
// log_input_url Heroku gave at provisioning (spec §11.2; the add-on requires log_input).
// Best effort: instances without a log input URL are skipped.
import type { Db } from '@addonkit/db'
import type { KeyRing } from '@addonkit/secrets'
import { postAppLogs } from '@addonkit/platform-api'

export function appLogNotifier (db: Db, keyRing: KeyRing, userAgent: string) {
  return async function notify (instanceUuid: string, message: string): Promise<void> {
    const r = await db.pool.query<{ log_input_url_enc: string | null }>('SELECT log_input_url_enc FROM instances WHERE uuid = $1', [instanceUuid])
    const sealed = r.rows[0]?.log_input_url_enc
    if (!sealed) return
    await postAppLogs(keyRing.open(sealed, `log_input_url:${instanceUuid}`), [{ message }], { addonId: instanceUuid, userAgent })
  }
}
