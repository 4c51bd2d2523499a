// The session cookie: a random id signed with SESSION_SECRET, HttpOnly, SameSite=Lax (so it
// survives the redirect that follows Heroku's cross-site form POST, protocol §10.3), Secure when
// the request that sets it came over https. Its path is the add-on's dashboard, so a browser
// can hold sessions for several add-ons at once, each sent only to its own pages.
import type { FastifyReply, FastifyRequest } from 'fastify'

export const SESSION_COOKIE = 'addonkit_session'

export interface CookieSettings { maxAgeMs: number }

export const dashboardPath = (uuid: string) => `/dashboard/${uuid}`

/**
 * Secure follows the request, not DASHBOARD_PUBLIC_URL: Heroku's kensa posts the SSO form
 * to the test URL over plain http, and a browser drops a Secure cookie set over http, so
 * the sign-in would end in a 403. Over https the cookie is always Secure. `protocol` is
 * TLS on our socket, or X-Forwarded-Proto from a proxy TRUST_PROXY names (trust-proxy.ts).
 */
function overHttps (reply: FastifyReply): boolean {
  return reply.request.protocol === 'https'
}

export function setSessionCookie (reply: FastifyReply, uuid: string, id: string, s: CookieSettings): void {
  reply.setCookie(SESSION_COOKIE, id, {
    signed: true,
    httpOnly: true,
    secure: overHttps(reply),
    sameSite: 'lax',
    path: dashboardPath(uuid),
    maxAge: Math.max(1, Math.floor(s.maxAgeMs / 1000))
  })
}

export function clearSessionCookie (reply: FastifyReply, uuid: string): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, secure: overHttps(reply), sameSite: 'lax', path: dashboardPath(uuid) })
}

export const NAV_DATA_COOKIE = 'heroku-nav-data'
/** Base64url JSON, short enough for one cookie (browsers keep about 4 KB per cookie). */
const NAV_DATA = /^[A-Za-z0-9_-]{1,3000}={0,2}$/

/**
 * The legacy navigation blob Heroku posts as `nav-data` (protocol §10.5), kept as the cookie
 * `heroku-nav-data` for Heroku's header script, the way the v1 docs asked (kensa's SSO
 * check looks for it). It holds app and add-on names, no secret, and script must read it:
 * not HttpOnly. A value that is not base64url or too long for a cookie is not kept.
 */
export function setNavDataCookie (reply: FastifyReply, navData: string | undefined, s: CookieSettings): void {
  if (navData === undefined || !NAV_DATA.test(navData)) return
  reply.setCookie(NAV_DATA_COOKIE, navData, { httpOnly: false, secure: overHttps(reply), sameSite: 'lax', path: '/', maxAge: Math.max(1, Math.floor(s.maxAgeMs / 1000)) })
}

/** The session id from a cookie whose signature checks out; null otherwise. */
export function readSessionCookie (req: FastifyRequest): string | null {
  const raw = req.cookies[SESSION_COOKIE]
  if (!raw) return null
  const r = req.unsignCookie(raw)
  return r.valid && r.value ? r.value : null
}
