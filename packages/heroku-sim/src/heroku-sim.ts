// startHerokuSim: one HTTP server on 127.0.0.1 playing id.heroku.com under /id, the partner
// Platform API under /api and a Logplex input under /logs. It records every call, keeps
// the add-ons' state and can inject failures or park requests.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { FaultInjector } from './fault-injection.js'
import { handleControl } from './control-routes.js'
import { handleLogInput } from './log-input-route.js'
import { handleOAuthToken } from './oauth-token-route.js'
import { handlePlatformApi } from './platform-api-routes.js'
import { type SimReply, type SimRequest, decodeBody, herokuError, readBody } from './sim-http.js'
import { SimState } from './sim-state.js'
import type { HerokuSim, SimCall, SimOptions } from './types.js'

export async function startHerokuSim (opts: SimOptions): Promise<HerokuSim> {
  const state = new SimState(opts)
  const faults = new FaultInjector()
  const calls: SimCall[] = []
  let port = 0

  const server = http.createServer((req, res) => {
    const call: SimCall = { at: new Date(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: undefined, status: 0 }
    calls.push(call)
    void serve(req, call).then((reply) => {
      call.status = reply.status
      const text = reply.body === undefined ? '' : JSON.stringify(reply.body)
      res.writeHead(reply.status, {
        ...(text === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
        'Content-Length': String(Buffer.byteLength(text)),
        ...reply.headers
      })
      res.end(text)
    })
  })

  async function serve (req: http.IncomingMessage, call: SimCall): Promise<SimReply> {
    try {
      const raw = await readBody(req)
      call.body = decodeBody(req.headers['content-type'], raw)
      const path = new URL(req.url ?? '/', 'http://sim').pathname
      if (opts.control && path.startsWith('/_sim/')) {
        return handleControl({ state, faults, logInputUrl: (uuid) => `http://token:${state.logToken(uuid)}@127.0.0.1:${port}/logs`, apiUrl: () => `http://127.0.0.1:${port}/api` }, req.method ?? '', path, call.body)
      }
      await faults.passHolds(path)
      const injected = faults.takeFailure(path)
      if (injected !== undefined) return herokuError(injected, injected === 429 ? 'rate_limit' : 'service_unavailable', 'Injected failure (heroku-sim failNext).')
      const simReq: SimRequest = { method: req.method ?? '', path, headers: req.headers, raw }
      if (path === '/id/oauth/token') {
        return req.method === 'POST' ? handleOAuthToken(state, simReq) : herokuError(405, 'method_not_allowed', 'Use POST.')
      }
      if (path.startsWith('/api/')) return handlePlatformApi(state, simReq, path.slice('/api'.length))
      if (path === '/logs') {
        return req.method === 'POST' ? handleLogInput(state, simReq) : herokuError(405, 'method_not_allowed', 'Use POST.')
      }
      return herokuError(404, 'not_found', `No such resource: ${path}`)
    } catch (err) {
      return herokuError(500, 'internal_server_error', `heroku-sim: ${(err as Error).message}`)
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`

  return {
    url,
    idUrl: `${url}/id`,
    apiUrl: `${url}/api`,
    manifest: opts.manifest,
    calls,
    addons: state.addons,
    registerAddon: (uuid, init) => state.registerAddon(uuid, init),
    issueGrant: (uuid, o) => state.issueGrant(uuid, o),
    expireAccessTokens: () => state.expireAccessTokens(),
    failNext: (pattern, times, status) => faults.failNext(pattern, times, status),
    hold: (pattern) => faults.hold(pattern),
    logInputUrl: (uuid) => `http://token:${state.logToken(uuid)}@127.0.0.1:${port}/logs`,
    close: () => new Promise<void>((resolve) => {
      faults.releaseAll()
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}
