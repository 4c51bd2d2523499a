// Shared fixtures: a manifest, a sim per test (closed at teardown) and a raw HTTP client
// that can send exactly the headers and bytes a test wants (chunked bodies included).
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPlatformClient } from '@addonkit/platform-api'
import { randomUUID } from 'node:crypto'
import { startHerokuSim, type HerokuSim, type SimManifest, type SimOptions } from '../src/index.js'

export const SECRET = 'client-secret-1234'

export const manifest: SimManifest = {
  id: 'acme-logs',
  api: {
    config_vars: ['ACME_LOGS_URL', 'ACME_LOGS_TOKEN'],
    password: 'basic-password-123',
    sso_salt: 'salt',
    requires: ['log_input', 'syslog_drain'],
    production: { base_url: 'https://acme.example/heroku/resources', sso_url: 'https://acme.example/sso/login' },
    test: { base_url: 'http://127.0.0.1:5000/heroku/resources', sso_url: 'http://127.0.0.1:5001/sso/login' }
  }
}

interface TapLike { teardown (fn: () => unknown): void }

export async function startSim (t: TapLike, extra: Partial<SimOptions> = {}): Promise<HerokuSim> {
  const sim = await startHerokuSim({ clientSecret: SECRET, manifest, ...extra })
  t.teardown(() => sim.close())
  return sim
}

export interface RawResponse { status: number, headers: http.IncomingHttpHeaders, body: any }

/** Sends `body` as given; `chunked: true` streams it without a Content-Length. */
export function rawRequest (url: string, opts: { method?: string, headers?: Record<string, string>, body?: string | Buffer, chunked?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body)
    const headers = { ...opts.headers }
    if (body !== undefined && opts.chunked !== true && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      headers['Content-Length'] = String(body.length)
    }
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed: unknown = text
        try { parsed = text === '' ? null : JSON.parse(text) } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
      })
    })
    req.on('error', reject)
    if (body !== undefined && opts.chunked === true) {
      req.write(body.subarray(0, 5))
      req.write(body.subarray(5))
    } else if (body !== undefined) req.write(body)
    req.end()
  })
}

export function form (fields: Record<string, string>): { method: string, headers: Record<string, string>, body: string } {
  return { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }
}

/** Registers an add-on and exchanges a fresh grant for it. */
export async function addonWithToken (sim: HerokuSim): Promise<{ uuid: string, accessToken: string, refreshToken: string }> {
  const uuid = randomUUID()
  sim.registerAddon(uuid, { plan: 'hobby' })
  const res = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: sim.issueGrant(uuid).code, client_secret: SECRET }))
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status}`)
  return { uuid, accessToken: res.body.access_token, refreshToken: res.body.refresh_token }
}

export const API_HEADERS = { Accept: 'application/vnd.heroku+json; version=3', 'Content-Type': 'application/json' }

export function bearer (token: string): Record<string, string> {
  return { ...API_HEADERS, Authorization: `Bearer ${token}` }
}

export interface Seen { method: string, url: string, headers: http.IncomingHttpHeaders, body: any }

/**
 * A tiny provider gateway: plan `sync` answers 200 with config; `async` answers 202 and
 * finishes through the Platform API; `bad` returns a config var outside the manifest;
 * `nope` is refused with 422.
 */
export async function fakeGateway (t: TapLike, sim: { apiUrl: string, idUrl: string }): Promise<{ baseUrl: string, seen: Seen[], asyncDone: Promise<unknown>[] }> {
  const seen: Seen[] = []
  const asyncDone: Promise<unknown>[] = []
  const client = createPlatformClient({ apiUrl: sim.apiUrl, idUrl: sim.idUrl, clientSecret: SECRET, baseDelayMs: 1, maxAttempts: 2 })
  const server = http.createServer((req, res) => {
    let text = ''
    req.on('data', (c: Buffer) => { text += c.toString() })
    req.on('end', () => {
      const body = text === '' ? undefined : JSON.parse(text)
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body })
      const send = (status: number, out?: unknown): void => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(out === undefined ? undefined : JSON.stringify(out)) }
      if (req.headers.authorization !== `Basic ${Buffer.from(`${manifest.id}:${manifest.api.password}`).toString('base64')}`) return send(401, { message: 'bad auth' })
      if (req.method === 'POST') {
        const { uuid, plan, oauth_grant: grant } = body
        if (plan === 'nope') return send(422, { message: 'Plan nope is not available' })
        if (plan === 'bad') return send(200, { id: uuid, config: { ACME_LOGS_PASSWORD: 'x' } })
        if (plan === 'async') {
          asyncDone.push((async () => {
            const tokens = await client.exchangeGrant(grant.code)
            await client.updateConfig(uuid, tokens.accessToken, { ACME_LOGS_URL: `https://logs.example/${uuid}` })
            return client.markProvisioned(uuid, tokens.accessToken)
          })())
          return send(202, { id: uuid, message: 'creating' })
        }
        return send(200, { id: uuid, config: { ACME_LOGS_URL: `https://logs.example/${uuid}` }, log_drain_url: 'http://127.0.0.1:5002/logplex', message: 'ready' })
      }
      if (req.method === 'PUT') return send(200, { config: { ACME_LOGS_TOKEN: `tok-${body.plan}` }, message: 'moved' })
      if (req.method === 'DELETE') { res.writeHead(204); return res.end() }
      send(404, { message: 'no' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/heroku/resources`, seen, asyncDone }
}


/** The third-party OAuth client the user-token tests authorize (protocol §21.3). */
export const CLIENT = { id: 'autoscaler-client', secret: 'autoscaler-secret', redirectUris: ['https://autoscaler.example/heroku/callback', 'http://127.0.0.1:9/cb'] }

/** id.heroku.com's authorize then token steps for a user (the signed-in one unless `user`); returns the tokens and the code's redirect. */
export async function userToken (sim: HerokuSim, opts: { scope?: string, user?: string, secret?: string } = {}): Promise<{ accessToken: string, refreshToken: string, userId: string, location: URL }> {
  const q = new URLSearchParams({ client_id: CLIENT.id, response_type: 'code', scope: opts.scope ?? 'write', state: 'st-1' })
  if (opts.user !== undefined) q.set('sim_user', opts.user)
  const auth = await rawRequest(`${sim.idUrl}/oauth/authorize?${q}`)
  if (auth.status !== 302) throw new Error(`authorize answered ${auth.status}: ${JSON.stringify(auth.body)}`)
  const location = new URL(auth.headers.location!)
  const res = await rawRequest(`${sim.idUrl}/oauth/token`, form({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, client_secret: opts.secret ?? CLIENT.secret }))
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status} ${JSON.stringify(res.body)}`)
  return { accessToken: res.body.access_token, refreshToken: res.body.refresh_token, userId: res.body.user_id, location }
}

export interface Received { headers: http.IncomingHttpHeaders, raw: Buffer, body: any, status: number, at: number }

/**
 * A webhook receiver: records every POST with its raw bytes; `answer(n)` picks the status
 * of the n-th request (from 0), default 204.
 */
export async function webhookReceiver (t: TapLike, answer: (n: number) => number = () => 204): Promise<{ url: string, received: Received[], next: (count: number) => Promise<void> }> {
  const received: Received[] = []
  const waiters: Array<() => void> = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const status = answer(received.length)
      received.push({ headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')), status, at: Date.now() })
      res.writeHead(status)
      res.end()
      for (const w of waiters.splice(0)) w()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  async function next (count: number): Promise<void> {
    const deadline = Date.now() + 5000
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} webhook requests arrived`)
      await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 50) })
    }
  }
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, next }
}
