// startHerokuSim: one HTTP server on 127.0.0.1 playing Heroku's hosts under prefixes:
// id.heroku.com under /id, the Platform API under /api, a Logplex input under /logs and the
// SSO host (addons-sso.heroku.com) under /addons-sso. It records every call, keeps the
// add-ons' and apps' state, delivers webhooks, can inject failures or park requests, and
// with `control` serves the control API under /_sim/ for a Heroku played from another process.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { SimError } from './errors.js'
import { FaultInjector } from './fault-injection.js'
import { handleControl } from './control/control-routes.js'
import { buildSsoRequest } from './addons-sso/sso-request.js'
import { handleSsoPage, isSsoPagePath } from './addons-sso/sso-page-route.js'
import { handleLogInput } from './logplex/log-input-route.js'
import { handleOAuthToken } from './id/oauth-token-route.js'
import { handleOAuthAuthorize } from './id/oauth-authorize-route.js'
import { handlePlatformApi, rateLimitHeader } from './platform-api/platform-api-routes.js'
import { type SimReply, type SimRequest, decodeBody, herokuError, readBody } from './sim-http.js'
import { SimState } from './model/sim-state.js'
import type { HerokuSim, SimApp, SimCall, SimFormationUpdate, SimOptions } from './types.js'

export async function startHerokuSim (opts: SimOptions): Promise<HerokuSim> {
  const state = new SimState(opts)
  const faults = new FaultInjector()
  const calls: SimCall[] = []
  const plans = [...(opts.plans ?? [])]

  const server = http.createServer((req, res) => {
    const call: SimCall = { at: new Date(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: undefined, status: 0 }
    const url = new URL(req.url ?? '/', 'http://sim')
    // The control API is the test's own channel, not Heroku traffic: it is not recorded.
    const isControl = opts.control === true && url.pathname.startsWith('/_sim/')
    if (!isControl) calls.push(call)
    void serve(req, call, url, isControl).then((reply) => {
      call.status = reply.status
      const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body))
      res.writeHead(reply.status, {
        ...(text === '' || reply.text !== undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
        'Content-Length': String(Buffer.byteLength(text)),
        ...reply.headers
      })
      res.end(text)
    })
  })

  async function serve (req: http.IncomingMessage, call: SimCall, url: URL, isControl: boolean): Promise<SimReply> {
    try {
      const raw = await readBody(req)
      call.body = decodeBody(req.headers['content-type'], raw)
      const path = url.pathname
      if (isControl) return await handleControl({ sim, state, faults }, req.method ?? '', path, url.searchParams, call.body)
      await faults.passHolds(path)
      const simReq: SimRequest = { method: req.method ?? '', path, headers: req.headers, raw, remoteAddress: req.socket.remoteAddress }
      const injected = faults.takeFailure(path)
      if (injected !== undefined) {
        const failure = herokuError(injected, injected === 429 ? 'rate_limit' : 'service_unavailable', 'Injected failure (heroku-sim failNext).')
        // Every Platform API answer carries RateLimit-Remaining (§21.2); an injected one spends nothing.
        return path.startsWith('/api/') ? { ...failure, headers: rateLimitHeader(state, simReq) } : failure
      }
      if (path === '/id/oauth/token') {
        return req.method === 'POST' ? handleOAuthToken(state, simReq) : herokuError(405, 'method_not_allowed', 'Use POST.')
      }
      if (path === '/id/oauth/authorize') return handleOAuthAuthorize(state, simReq, url.searchParams)
      if (path.startsWith('/api/')) return handlePlatformApi(state, simReq, path.slice('/api'.length))
      if (path === '/logs') {
        return req.method === 'POST' ? handleLogInput(state, simReq) : herokuError(405, 'method_not_allowed', 'Use POST.')
      }
      if (isSsoPagePath(path)) return handleSsoPage(state, simReq, url.searchParams)
      return herokuError(404, 'not_found', `No such resource: ${path}`)
    } catch (err) {
      return herokuError(500, 'internal_server_error', `heroku-sim: ${(err as Error).message}`)
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as AddressInfo).port
  state.url = `http://127.0.0.1:${port}`
  const logInputUrl = (uuid: string) => `http://token:${state.logToken(uuid)}@127.0.0.1:${port}/logs`
  const knownAddon = (uuid: string) => {
    const addon = state.addons.get(uuid)
    if (!addon) throw new SimError('SIM_UNKNOWN_ADDON', `the simulator knows no add-on ${uuid}`)
    return addon
  }
  const knownApp = (idOrName: string): SimApp => {
    const app = state.appStore.find(idOrName)
    if (!app) throw new SimError('SIM_UNKNOWN_APP', `the simulator knows no app ${idOrName}`)
    return app
  }
  // What `heroku ps:scale web=3` does: the batch update's rules, the owner as the actor.
  const scaleByHand = (idOrName: string, updates: SimFormationUpdate | SimFormationUpdate[]) => {
    const app = knownApp(idOrName)
    const checked = state.appStore.validate(app, Array.isArray(updates) ? updates : [updates], true)
    if (!checked.ok) throw new SimError('SIM_INVALID_FORMATION', `${checked.status} ${checked.id}: ${checked.message}`)
    return state.appStore.apply(app, checked.updates, { id: app.owner.id, email: app.owner.email }, 'manual')
  }

  const sim: HerokuSim = {
    url: state.url,
    idUrl: `${state.url}/id`,
    apiUrl: `${state.url}/api`,
    manifest: opts.manifest,
    plans,
    get ssoUrl () { return state.ssoUrl },
    calls,
    addons: state.addons,
    registerAddon: (uuid, init) => state.registerAddon(uuid, init),
    issueGrant: (uuid, o) => state.issueGrant(uuid, o),
    expireAccessTokens: () => state.expireAccessTokens(),
    forgetAddonTokens: (uuid) => state.forgetAddonTokens(uuid),
    failNext: (pattern, times, status) => faults.failNext(pattern, times, status),
    hold: (pattern) => faults.hold(pattern),
    logInputUrl,
    ssoRequest: (uuid, o) => buildSsoRequest(opts.manifest, state.ssoUrl, knownAddon(uuid), o),
    webUrl: (uuid) => state.webUrl(knownAddon(uuid)),
    apps: state.apps,
    app: knownApp,
    scaleByHand,
    simulateRelease (idOrName, o = {}) {
      const app = knownApp(idOrName)
      const description = o.description ?? `Deploy ${randomBytes(4).toString('hex')}`
      return state.appStore.release(app, description, { id: app.owner.id, email: app.owner.email }, state.planNames(app))
    },
    get partnerScaling () { return state.partnerScaling },
    setPartnerScaling (mode) {
      if (mode !== 'allowed' && mode !== 'forbidden') throw new SimError('SIM_INVALID_OPTION', `partnerScaling must be 'allowed' or 'forbidden', got ${String(mode)}`)
      state.partnerScaling = mode
    },
    rateLimitRemaining: (account) => state.rateLimiter.remaining(state.rateLimitAccount(account)),
    setRateLimitRemaining: (account, remaining) => state.rateLimiter.set(state.rateLimitAccount(account), remaining),
    users: state.users,
    signIn (user) {
      try { return state.signIn(user) } catch (err) { throw new SimError('SIM_UNKNOWN_USER', (err as Error).message, { cause: err }) }
    },
    get oauthClient () { return state.oauthClient },
    setOAuthClient (client) { state.oauthClient = client },
    authorizations: state.tokens.authorizations,
    webhooks: state.webhooks,
    webhookDeliveries: state.dispatcher.deliveries,
    async redeliverWebhook (deliveryId) {
      const attempt = await state.dispatcher.redeliver(deliveryId)
      if (!attempt) throw new SimError('SIM_UNKNOWN_DELIVERY', `no webhook delivery ${deliveryId} (or its webhook was deleted)`)
      return attempt
    },
    webhooksIdle: () => state.dispatcher.idle(),
    close: () => new Promise<void>((resolve) => {
      state.dispatcher.close()
      faults.releaseAll()
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
  return sim
}
