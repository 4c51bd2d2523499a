// The form Heroku's SSO host (addons-sso.heroku.com) posts to the provider when a user opens
// an add-on (protocol §10.1, §10.2): resource_id, a fresh timestamp, both v3 tokens, the user,
// the billing app and the app the user came from, plus any custom parameters (a plan
// action, an `issue_no`) passed through as further fields.
import type { SimAddon, SimManifest, SsoRequest } from '../types.js'
import { resourceToken, userScopedResourceToken } from './sso-tokens.js'

export interface SsoRequestOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number
  /** Extra form fields, e.g. `{ issue_no: '42' }`; they cannot replace the signed fields. */
  extra?: Record<string, string>
}

export function buildSsoRequest (manifest: SimManifest, ssoUrl: string, addon: SimAddon, opts: SsoRequestOptions = {}): SsoRequest {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000))
  const salt = manifest.api.sso_salt
  const signed: Record<string, string> = {
    resource_id: addon.uuid,
    timestamp,
    resource_token: resourceToken(addon.uuid, salt, timestamp),
    user_scoped_resource_token: userScopedResourceToken(addon.uuid, salt, timestamp, addon.owner.id, addon.owner.email),
    user_id: addon.owner.id,
    email: addon.owner.email,
    app: addon.app.name,
    context_app: addon.app.name
  }
  return { method: 'post', action: ssoUrl, params: { ...opts.extra, ...signed } }
}
