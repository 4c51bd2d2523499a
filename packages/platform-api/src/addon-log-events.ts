// Writes an add-on event (provisioned, quota reached, database made read-only…) into the
// customer's app log stream, `heroku logs`, through the instance's log_input_url (spec
// §11.2; the add-on requires log_input). The one place every service does this, so every
// write carries the same User-Agent. The URL carries credentials, so it is stored sealed
// (instances.log_input_url_enc, context `contexts.logInputUrl(uuid)`) and opened only here.
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { postAppLogs, type PostAppLogsOptions } from './log-input.js'

/** The add-on as its definition names it (AddonDefinition has both). */
export interface AddonIdentity {
  /** The manifest id (slug): unique among Heroku's add-ons. */
  id: string
  /** The display name. */
  name: string
}

export interface AddonLogEventDeps {
  db: Db
  keyRing: KeyRing
  addon: AddonIdentity
}

export interface AddonLogEventOptions extends Partial<Omit<PostAppLogsOptions, 'addonId' | 'userAgent'>> {
  /** RFC 5424 PROCID of the line; defaults to the instance uuid. */
  procId?: string
}

/**
 * The User-Agent of writes to log_input_url: Heroku asks for one that identifies the
 * add-on uniquely (protocol §11.2, §16 item 14), so it carries the manifest id besides the name.
 */
export function addonUserAgent (addon: AddonIdentity): string {
  return `${addon.name} (addonkit; ${addon.id})`
}

/**
 * Posts one event line into the app's logs. Returns false when the instance has no
 * log_input_url (the add-on was provisioned without `log_input`). Throws PlatformApiError
 * when Heroku refused it or every retry failed.
 */
export async function postAddonLogEvent (deps: AddonLogEventDeps, instanceUuid: string, message: string, opts: AddonLogEventOptions = {}): Promise<boolean> {
  const r = await deps.db.pool.query<{ log_input_url_enc: string | null }>('SELECT log_input_url_enc FROM instances WHERE uuid = $1', [instanceUuid])
  const sealed = r.rows[0]?.log_input_url_enc
  if (!sealed) return false
  const { procId, ...post } = opts
  const url = deps.keyRing.open(sealed, contexts.logInputUrl(instanceUuid))
  await postAppLogs(url, [{ message, ...(procId === undefined ? {} : { procId }) }], { ...post, addonId: instanceUuid, userAgent: addonUserAgent(deps.addon) })
  return true
}
