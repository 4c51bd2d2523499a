// What an SSO request carries besides its token (protocol §10.2): the fields Heroku defines,
// the extra fields and query parameters it may pass through to the landing page (kept,
// bounded, never trusted), and the keys that make one signed request usable only once.
import type { SsoParams, SsoVerified } from './tokens.js'

/** Fields with a meaning in SSO; anything else is an extra passed to the landing page. */
export const SSO_FIELDS = new Set(['resource_id', 'id', 'timestamp', 'resource_token', 'user_scoped_resource_token', 'token', 'user_id', 'email', 'app', 'context_app', 'nav-data'])

const EXTRA_NAME = /^[A-Za-z0-9_.:\-[\]]{1,64}$/
const MAX_EXTRAS = 20
const MAX_EXTRA_LENGTH = 500

export type RawFields = Record<string, unknown>

/** The single-valued string fields; null when a known field is repeated or not text. */
export function ssoFields (raw: RawFields): SsoParams & { app?: string, context_app?: string, 'nav-data'?: string } | null {
  const out: Record<string, string> = {}
  for (const name of SSO_FIELDS) {
    const v = raw[name]
    if (v === undefined) continue
    if (typeof v !== 'string') return null
    out[name] = v
  }
  return out
}

/** Extra fields for the landing page, in order, within bounds. */
export function extraParams (...sources: RawFields[]): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const seen = new Set<string>()
  for (const src of sources) {
    for (const [name, value] of Object.entries(src)) {
      if (out.length >= MAX_EXTRAS) return out
      if (SSO_FIELDS.has(name) || seen.has(name) || !EXTRA_NAME.test(name)) continue
      if (typeof value !== 'string' || value.length > MAX_EXTRA_LENGTH) continue
      seen.add(name)
      out.push([name, value])
    }
  }
  return out
}

export interface ReplayKeys {
  /** Keys that must not have been claimed before (else the request is a replay). */
  required: string[]
  /** Keys claimed as well, without failing if already claimed. */
  shadow: string[]
}

/**
 * The once-only keys of a verified request, from what verifySso established (no token is
 * computed again). A request with a valid user-scoped token is identified by it (two users
 * opening the same add-on in the same second are different requests); a request whose best
 * token is a resource (or legacy) token is identified by the resource-level key of the
 * add-on and second. The other valid tokens the form carried are claimed as shadow keys (the
 * resource-level key of the add-on each names), so that a replay that strips the token used
 * to present another one alone meets that claim. Only tokens the form carried: a form with a
 * user-scoped token alone claims no resource-level key, so a request with only a
 * resource_token for the same add-on in the same second still signs in. Add-on ids are
 * lowercased (the sign-in opens the add-on by its lowercase uuid).
 */
export function replayKeys (v: SsoVerified): ReplayKeys {
  const resourceKey = (id: string) => `resource:${id.toLowerCase()}:${v.timestamp}`
  const required = v.method === 'user_scoped_resource_token'
    ? `user:${v.resourceId.toLowerCase()}:${v.timestamp}:${v.userId}:${v.email}`
    : resourceKey(v.resourceId)
  const shadow = [...new Set(v.otherTokens.map((o) => resourceKey(o.resourceId)))].filter((k) => k !== required)
  return { required: [required], shadow }
}
