// Single sign-on (protocol §10, §18 items 14–18): forms as Heroku's SSO host posts them, built
// by the simulator for the add-on's owner, then bent one way at a time. A sign-in is a
// 302/303 with a session cookie whose landing page loads with that cookie.
import type { IncomingHttpHeaders } from 'node:http'
import { type CheckContext, answered, skip, step, verdict } from '../check-context.js'
import { exchange, type Exchange, type RawAnswer } from '../exchange.js'

const RULES = ['sso.login', 'sso.cookie', 'sso.cookie-http', 'sso.user-scoped-token', 'sso.resource-token', 'sso.charset', 'sso.bad-token', 'sso.stale', 'sso.future', 'sso.recent', 'sso.replay', 'sso.unknown-resource', 'sso.custom-params'] as const
const BROWSER = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'User-Agent': 'Mozilla/5.0 (addonkit check)' }

interface Cookie { name: string, value: string, attrs: Map<string, string> }

export async function ssoChecks (ctx: CheckContext): Promise<void> {
  const ssoUrl = ctx.endpoints.ssoUrl
  const primary = ctx.primary
  const why = !ssoUrl ? 'the manifest has no sso_url' : !ctx.manifest.api.sso_salt ? 'the manifest has no sso_salt'
    : !primary ? 'needs a provisioned add-on, and provision.accepted failed' : undefined
  if (why || !ssoUrl || !primary) { for (const id of RULES) skip(ctx, id, why!); return }
  const ready = await ctx.heroku.waitForState(primary.uuid, 'provisioned', ctx.asyncTimeoutMs).then(() => true, () => false)
  if (!ready) { for (const id of RULES) skip(ctx, id, 'the first add-on never became provisioned'); return }

  const now = Math.floor(Date.now() / 1000)
  const form = async (offset: number, extra?: Record<string, string>, uuid = primary.uuid) => (await ctx.side.ssoRequest(uuid, { timestamp: now + offset, ...(extra ? { extra } : {}) })).params
  const post = (fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') =>
    exchange({ ca: ctx.ca, method: 'POST', url: ssoUrl, headers: { ...BROWSER, 'Content-Type': contentType, Origin: 'https://addons-sso.heroku.com', Referer: 'https://addons-sso.heroku.com/' }, body: new URLSearchParams(fields).toString() })
  const without = (f: Record<string, string>, key: string) => Object.fromEntries(Object.entries(f).filter(([k]) => k !== key))

  let loginForm: Record<string, string> | undefined
  await step(ctx, 'sso.login', async () => {
    loginForm = await form(0)
    const r = await post(loginForm)
    const problem = signInProblem(r)
    if (problem) {
      verdict(ctx, 'sso.login', problem, [r.exchange])
      for (const id of ['sso.cookie', 'sso.cookie-http']) skip(ctx, id, 'sso.login failed')
      return
    }
    // The landing page loads with the cookie (kensa follows the redirects and wants a 200).
    const landing = await exchange({ ca: ctx.ca, method: 'GET', url: new URL(String(r.headers.location), ssoUrl).toString(), headers: { ...BROWSER, Cookie: cookieHeader(cookiesOf(r.headers)) } })
    verdict(ctx, 'sso.login', landing.status === 200 ? undefined : `the redirect target ${answered(landing)} with the session cookie, not 200`, [r.exchange, landing.exchange])
    const cookies = cookiesOf(r.headers)
    const https = new URL(ssoUrl).protocol === 'https:'
    const good = cookies.find((c) => c.attrs.has('httponly') && (c.attrs.get('samesite') ?? 'lax').toLowerCase() !== 'strict' && (!https || c.attrs.has('secure')))
    verdict(ctx, 'sso.cookie', good ? undefined : `no cookie is HttpOnly, SameSite Lax or None${https ? ', and Secure' : ''}: ${describeCookies(cookies)}`, [r.exchange])
    if (https) skip(ctx, 'sso.cookie-http', 'sso_url is https')
    else {
      const secure = cookies.filter((c) => c.attrs.has('secure'))
      verdict(ctx, 'sso.cookie-http', secure.length === 0 ? undefined : `cookie ${secure[0]!.name} is Secure on a plain-http answer: a browser drops it and the sign-in fails (kensa's "logs in" gets 403)`, [r.exchange])
    }
  })
  const signsIn = (id: string, label: string) => async (r: RawAnswer) => verdict(ctx, id, signInProblem(r) ? `${label}: ${signInProblem(r)}` : undefined, [r.exchange])
  const refused = (id: string, label: string, also404 = false) => async (r: RawAnswer) =>
    verdict(ctx, id, r.status === 403 || (also404 && r.status === 404) ? undefined : `${label} was ${answered(r)}, not 403${also404 ? ' or 404' : ''}`, [r.exchange])

  await step(ctx, 'sso.user-scoped-token', async () => signsIn('sso.user-scoped-token', 'user_scoped_resource_token without resource_token')(await post(without(await form(-1), 'resource_token'))))
  await step(ctx, 'sso.resource-token', async () => signsIn('sso.resource-token', 'resource_token without user_scoped_resource_token')(await post(without(await form(-2), 'user_scoped_resource_token'))))
  await step(ctx, 'sso.charset', async () => signsIn('sso.charset', 'a form with charset=UTF-8')(await post(await form(-3), 'application/x-www-form-urlencoded; charset=UTF-8')))
  await step(ctx, 'sso.custom-params', async () => {
    const r = await post(await form(-4, { issue_no: '42' }))
    const location = String(r.headers.location ?? '')
    verdict(ctx, 'sso.custom-params', signInProblem(r) ?? (/[?&]issue_no=42(&|$)/.test(location) ? undefined : `issue_no=42 was posted; the redirect goes to ${JSON.stringify(location)}`), [r.exchange])
  })
  await step(ctx, 'sso.bad-token', async () => {
    const f = await form(-5)
    refused('sso.bad-token', 'a form with both tokens wrong')(await post({ ...f, resource_token: 'f'.repeat(40), user_scoped_resource_token: 'f'.repeat(64) }))
  })
  await step(ctx, 'sso.stale', async () => refused('sso.stale', 'a correctly signed form 6 minutes old')(await post(await form(-360))))
  await step(ctx, 'sso.future', async () => refused('sso.future', 'a correctly signed form 6 minutes ahead')(await post(await form(360))))
  await step(ctx, 'sso.recent', async () => signsIn('sso.recent', 'a form 60 s old')(await post(await form(-60))))
  await step(ctx, 'sso.replay', async () => {
    if (!loginForm) return skip(ctx, 'sso.replay', 'sso.login could not build a form')
    const r = await post(loginForm)
    verdict(ctx, 'sso.replay', signInProblem(r) === undefined ? 'the same signed form signed in twice: a form that leaks (a log, a proxy, the browser history) stays usable for its whole window' : undefined, [r.exchange])
  })
  await step(ctx, 'sso.unknown-resource', async () => {
    const uuid = crypto.randomUUID()
    const addon = await ctx.side.registerAddon(uuid, { plan: ctx.plans[0] })
    refused('sso.unknown-resource', `valid tokens for ${addon.uuid}, which the provider never provisioned,`, true)(await post(await form(-6, undefined, uuid)))
  })
}

/** After deprovisioning: valid tokens for the gone add-on are refused. */
export async function ssoAfterDeprovision (ctx: CheckContext, uuid: string): Promise<Exchange | undefined> {
  const ssoUrl = ctx.endpoints.ssoUrl
  if (!ssoUrl || !ctx.manifest.api.sso_salt) { skip(ctx, 'sso.after-deprovision', 'the manifest has no sso_url or sso_salt'); return }
  await step(ctx, 'sso.after-deprovision', async () => {
    const params = (await ctx.side.ssoRequest(uuid, { timestamp: Math.floor(Date.now() / 1000) - 7 })).params
    const r = await exchange({ ca: ctx.ca, method: 'POST', url: ssoUrl, headers: { ...BROWSER, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() })
    verdict(ctx, 'sso.after-deprovision', r.status === 403 || r.status === 404 ? undefined : `a deprovisioned add-on's dashboard was ${answered(r)}, not 403 or 404`, [r.exchange])
  })
  return undefined
}

function signInProblem (r: RawAnswer): string | undefined {
  if (r.status !== 302 && r.status !== 303) return `${answered(r)}, not a 302/303 redirect`
  if (!r.headers.location) return `${r.status} without a Location`
  if (cookiesOf(r.headers).length === 0) return `${r.status} without a session cookie`
  return undefined
}

function cookiesOf (headers: IncomingHttpHeaders): Cookie[] {
  return (headers['set-cookie'] ?? []).map((line) => {
    const [pair, ...attrs] = line.split(';')
    const eq = pair!.indexOf('=')
    return {
      name: pair!.slice(0, eq).trim(),
      value: pair!.slice(eq + 1).trim(),
      attrs: new Map(attrs.map((a) => {
        const i = a.indexOf('=')
        return i === -1 ? [a.trim().toLowerCase(), ''] as [string, string] : [a.slice(0, i).trim().toLowerCase(), a.slice(i + 1).trim()] as [string, string]
      }))
    }
  }).filter((c) => c.name !== '' && c.value !== '' && c.attrs.get('max-age') !== '0')
}

function cookieHeader (cookies: Cookie[]): string {
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ')
}

function describeCookies (cookies: Cookie[]): string {
  return cookies.map((c) => `${c.name} (${[...c.attrs].map(([k, v]) => v ? `${k}=${v}` : k).join(', ') || 'no attributes'})`).join('; ')
}
