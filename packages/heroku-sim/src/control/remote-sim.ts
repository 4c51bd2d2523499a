// connectHerokuSim: a HerokuSide over the control API of a simulator running in another
// process (control-routes.ts), e.g. the one `npm start` runs on port 5010.
import { SimError } from '../errors.js'
import type { HerokuSide } from '../heroku-side.js'
import type { SimAddon, SimApp, SimCall, SimFormationProcess, SimRelease, SimUser, SimWebhookAttempt, SimWebhookDelivery } from '../types.js'

interface SimInfo { url: string, api_url: string, id_url: string, addon_id: string, plans: string[], sso_url: string }

const query = (account: { addon: string } | { user: string }) => 'addon' in account ? `addon=${encodeURIComponent(account.addon)}` : `user=${encodeURIComponent(account.user)}`

export async function connectHerokuSim (baseUrl: string, opts: { timeoutMs?: number } = {}): Promise<HerokuSide> {
  const root = baseUrl.replace(/\/+$/, '')
  const timeoutMs = opts.timeoutMs ?? 10_000

  async function call<T> (method: string, path: string, body?: unknown): Promise<{ status: number, body: T }> {
    let res: Response
    try {
      res = await fetch(`${root}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs)
      })
    } catch (err) {
      throw new SimError('SIM_UNREACHABLE', `the Heroku simulator at ${root} does not answer (${(err as Error).message})`, { cause: err })
    }
    const text = await res.text()
    let parsed: unknown = null
    try { parsed = text === '' ? null : JSON.parse(text) } catch { parsed = text }
    return { status: res.status, body: parsed as T }
  }
  async function must<T> (method: string, path: string, body?: unknown): Promise<T> {
    const r = await call<T>(method, path, body)
    if (r.status < 200 || r.status >= 300) {
      const hint = r.status === 404 && path === '/_sim/info' ? ' (is it a Heroku simulator started with its control API?)' : ''
      throw new SimError('SIM_CONTROL_FAILED', `${method} ${root}${path} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}${hint}`)
    }
    return r.body
  }

  const info = await must<SimInfo>('GET', '/_sim/info')
  const addonPath = (uuid: string, sub = '') => `/_sim/addons/${encodeURIComponent(uuid)}${sub}`
  const appPath = (app: string, sub = '') => `/_sim/apps/${encodeURIComponent(app)}${sub}`
  return {
    url: info.url,
    apiUrl: info.api_url,
    idUrl: info.id_url,
    addonId: info.addon_id,
    plans: info.plans,
    ssoUrl: info.sso_url,
    registerAddon: (uuid, init = {}) => must<SimAddon>('PUT', addonPath(uuid), init),
    issueGrant: (uuid, o = {}) => must('POST', addonPath(uuid, '/grants'), { expired: o.expired === true }),
    logInputUrl: async (uuid) => (await must<{ url: string }>('GET', addonPath(uuid, '/log-input-url'))).url,
    async addon (uuid) {
      const r = await call<SimAddon>('GET', addonPath(uuid))
      if (r.status === 404) return undefined
      if (r.status !== 200) throw new SimError('SIM_CONTROL_FAILED', `GET ${addonPath(uuid)} answered ${r.status}`)
      return r.body
    },
    async readAnswer (uuid, verb, answer, plan) {
      const r = await must<{ rejected: string | null }>('POST', addonPath(uuid, '/answers'), { verb, status: answer.status, body: answer.body, rejected: answer.rejected, plan })
      return r.rejected ?? undefined
    },
    ssoRequest: (uuid, o = {}) => must('POST', addonPath(uuid, '/sso'), o),
    async calls (since = 0) {
      const r = await must<{ calls: Array<Omit<SimCall, 'at'> & { at: string }>, next: number }>('GET', `/_sim/calls?since=${since}`)
      return { calls: r.calls.map((c) => ({ ...c, at: new Date(c.at) })), next: r.next }
    },
    delay: async (pattern, ms) => { await must('POST', '/_sim/delay', { path_regex: pattern.source, ms }) },
    failNext: async (pattern, times, status) => { await must('POST', '/_sim/fail-next', { path_regex: pattern.source, times, status }) },
    async app (idOrName) {
      const r = await call<SimApp>('GET', appPath(idOrName))
      if (r.status === 404) return undefined
      if (r.status !== 200) throw new SimError('SIM_CONTROL_FAILED', `GET ${appPath(idOrName)} answered ${r.status}`)
      return r.body
    },
    async scaleByHand (app, updates) {
      const r = await call<SimFormationProcess[] | { message: string }>('POST', appPath(app, '/scale'), { updates: Array.isArray(updates) ? updates : [updates] })
      // The same error as in process, so a test reads the same either way.
      if (r.status === 422) throw new SimError('SIM_INVALID_FORMATION', (r.body as { message: string }).message)
      if (r.status !== 200) throw new SimError('SIM_CONTROL_FAILED', `POST ${appPath(app, '/scale')} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`)
      return r.body as SimFormationProcess[]
    },
    simulateRelease: (app, o = {}) => must<SimRelease>('POST', appPath(app, '/releases'), o),
    setPartnerScaling: async (mode) => { await must('PUT', '/_sim/partner-scaling', { mode }) },
    rateLimitRemaining: async (account) => (await must<{ remaining: number }>('GET', `/_sim/rate-limits?${query(account)}`)).remaining,
    setRateLimitRemaining: async (account, remaining) => { await must('PUT', '/_sim/rate-limits', { ...account, remaining }) },
    signIn: (user) => must<SimUser>('PUT', '/_sim/signed-in-user', { user }),
    setOAuthClient: async (client) => { await must('PUT', '/_sim/oauth-client', { id: client.id, redirect_uris: client.redirectUris, secret: client.secret, name: client.name }) },
    webhookDeliveries: (since = 0) => must<{ deliveries: SimWebhookDelivery[], next: number }>('GET', `/_sim/webhook-deliveries?since=${since}`),
    redeliverWebhook: (deliveryId) => must<SimWebhookAttempt>('POST', `/_sim/webhook-deliveries/${encodeURIComponent(deliveryId)}/redeliver`),
    close: async () => {}
  }
}
