// Writes add-on events into the customer's app log stream through the instance's
// log_input_url (requires: log_input; spec §11.2): octet counts in bytes, Content-Length,
// Frame-Id and retries are postAppLogs' job (@addonkit/platform-api). The URL carries
// credentials, so it is stored sealed (instances.log_input_url_enc, aad
// `log_input_url:<uuid>`) and opened only here. Reusable by any service that has the
// database and the key ring: quota reached (the writer), provisioned, plan changed,
// credentials rotated.
import type { Db } from '@addonkit/db'
import type { KeyRing } from '@addonkit/secrets'
import { postAppLogs, type PostAppLogsOptions } from '@addonkit/platform-api'

export interface AddonLogEventDeps {
  db: Db
  keyRing: KeyRing
  /** The add-on's display name, for the User-Agent Heroku asks for (spec §11.2). */
  addonName: string
}

/** The User-Agent that names this add-on on log_input requests (spec §11.2, §16 item 14). */
export function addonUserAgent (addonName: string): string {
  return `${addonName} (Addonkit log-drain; Node/${process.versions.node})`
}

/**
 * Posts one event line into the app's logs. Returns false when the instance has no
 * log_input_url (the add-on was provisioned without `log_input`). Throws PlatformApiError
 * when Heroku refused it or every retry failed.
 */
export async function postAddonLogEvent (deps: AddonLogEventDeps, instanceUuid: string, message: string, opts: Partial<PostAppLogsOptions> = {}): Promise<boolean> {
  const r = await deps.db.pool.query<{ log_input_url_enc: string | null }>('SELECT log_input_url_enc FROM instances WHERE uuid = $1', [instanceUuid])
  const sealed = r.rows[0]?.log_input_url_enc
  if (!sealed) return false
  const url = deps.keyRing.open(sealed, `log_input_url:${instanceUuid}`)
  await postAppLogs(url, [{ message, procId: 'addonkit' }], { addonId: instanceUuid, userAgent: addonUserAgent(deps.addonName), ...opts })
  return true
}
