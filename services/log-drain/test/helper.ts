// The log-drain stack for a test, from the platform harness (@addonkit/testkit
// startPlatform): a private nats-server, a fresh database, the Heroku simulator (its strict
// log input receives the add-on's notices) and the log-drain listening on a real port.
// Tenants are created by the allocator's real `logs` driver, so the credentials, hashes and
// URLs are exactly what Heroku and the app would hold.
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { startPlatform, eventually, type LogCapture, type Teardown, type NatsServerHandle, type NatsClusterHandle, writeAddonDefinition } from '@addonkit/testkit'
import { createDrainSender, type HerokuSim, type DrainSender, type DrainSenderOptions } from '@addonkit/heroku-sim'
import { loadConfig, type AddonDefinition } from '@addonkit/config'
import type { Db } from '@addonkit/db'
import { contexts, type KeyRing } from '@addonkit/secrets'
import { storedLineCounts, tenantIdOf } from '@addonkit/log-store'
import { defaultDrivers, type DriverContext } from '@addonkit/allocator'
import { publishInstanceEvent } from '@addonkit/lifecycle'
import { service as drainService } from '../src/index.js'

export { eventually }

/** The shipped add-on definition plus a `tiny` plan whose limits a test can reach. */
export function testAddonDefinition (): string {
  return writeAddonDefinition((def) => {
    def.plans.push({ slug: 'tiny', name: 'Tiny', price_cents_per_month: 0, driver: 'logs', limits: { retention_days: 1, lines_per_day: 50, requests_per_minute: 5, storage_mb: 1 } })
  })
}

export interface TestTenant {
  id: string
  instanceUuid: string
  drainToken: string
  drainUrl: string
  /** The ADDONKIT_URL config var: `${base}/v1` with api user:secret. */
  apiUrl: string
  apiAuth: string
  sender (opts?: Partial<DrainSenderOptions>): DrainSender
}

export interface DrainStack {
  env: Record<string, string>
  /** The nats-server (with `cluster`: the first node). */
  nats: NatsServerHandle
  /** The 3-node cluster, when asked for. */
  cluster: NatsClusterHandle | null
  sim: HerokuSim
  app: FastifyInstance
  url: string
  db: Db
  addon: AddonDefinition
  keyRing: KeyRing
  logs: LogCapture
  /** A provisioned instance with its tenant; `drainToken` repeats a given token (default: a fresh one). */
  tenant (plan?: string, opts?: { drainToken?: string }): Promise<TestTenant>
  driverContext (instanceUuid: string): Promise<DriverContext>
  deprovision (t: TestTenant, opts?: { event?: boolean }): Promise<void>
  storedCount (t: TestTenant): Promise<number>
}

export interface DrainStackOptions { env?: Record<string, string>, writerMaxLines?: number, /** A 3-node JetStream cluster instead of one nats-server. */ cluster?: boolean }

function basic (user: string, pass: string): string {
  return `Basic ${Buffer.from(`${decodeURIComponent(user)}:${decodeURIComponent(pass)}`).toString('base64')}`
}

export async function startDrainStack (t: Teardown, opts: DrainStackOptions = {}): Promise<DrainStack> {
  // The writer runs inline unless a test asks for the thread (DRAIN_WRITER=thread, the
  // production default): the writer's code is the same, and a thread loading its
  // TypeScript under a busy CI machine took over 10 s per stack. writer-outage covers the
  // thread: storing, a PostgreSQL outage and a restart.
  const p = await startPlatform(t, { cluster: opts.cluster === true, env: { LOG_LEVEL: 'warn', ADDON_DEFINITION: testAddonDefinition(), DRAIN_WRITER: 'inline', ...opts.env } })
  const { env, nats, cluster, sim, db, keyRing, logs, addon } = p
  const { credentialGraceSeconds } = loadConfig(env, ['credentialGraceSeconds'])
  const { app, url } = await p.start(drainService, { options: { writerMaxLines: opts.writerMaxLines } })
  const driver = defaultDrivers().get('logs')!
  const senders: DrainSender[] = []
  t.teardown(() => { for (const s of senders) s.close() })

  async function driverContext (uuid: string): Promise<DriverContext> {
    const r = await db.pool.query<{ plan: string, region: string, options: Record<string, unknown>, log_drain_token: string | null }>('SELECT plan, region, options, log_drain_token FROM instances WHERE uuid = $1', [uuid])
    const row = r.rows[0]!
    return {
      instance: { uuid, plan: row.plan, region: row.region, options: row.options, logDrainToken: row.log_drain_token },
      plan: addon.plans.find((p) => p.slug === row.plan)!,
      addon,
      db,
      keyRing,
      drainPublicUrl: url,
      credentialGraceSeconds
    }
  }

  const stack: DrainStack = {
    env, nats, cluster, sim, app, url, db, addon, keyRing, logs, driverContext,
    async tenant (plan = 'hobby', o = {}) {
      const uuid = randomUUID()
      const drainToken = o.drainToken ?? `d.${randomUUID()}`
      sim.registerAddon(uuid, { plan })
      await db.pool.query(
        `INSERT INTO instances (uuid, plan, region, driver, state, log_drain_token, log_input_url_enc, updated_at, provisioned_at)
         VALUES ($1, $2, 'us', 'logs', 'provisioned', $3, $4, now(), now())`,
        [uuid, plan, drainToken, keyRing.seal(sim.logInputUrl(uuid), contexts.logInputUrl(uuid))])
      const out = await driver.allocate(await driverContext(uuid))
      const apiUrl = Object.values(out.config)[0]!
      const drainUrl = out.logDrainUrl!
      const id = (await tenantIdOf(db.pool, uuid))!
      const a = new URL(apiUrl)
      return {
        id, instanceUuid: uuid, drainToken, drainUrl, apiUrl,
        apiAuth: basic(a.username, a.password),
        sender (o = {}) {
          const s = createDrainSender({ drainUrl, drainToken, baseDelayMs: 20, ...o })
          senders.push(s)
          return s
        }
      }
    },
    async deprovision (tt, o = {}) {
      // What the gateway commits first, then what the allocator's deprovision does and
      // announces (services/gateway provisioning.ts, allocator handlers.ts).
      await db.pool.query("UPDATE instances SET state = 'deprovisioned', deprovisioned_at = now(), updated_at = now() WHERE uuid = $1", [tt.instanceUuid])
      await driver.deallocate(await driverContext(tt.instanceUuid))
      if (o.event ?? true) {
        publishInstanceEvent(app.nats, { instanceUuid: tt.instanceUuid, operationId: randomUUID(), kind: 'deprovision', outcome: 'succeeded' })
        await app.nats.flush()
      }
    },
    async storedCount (tt) {
      return (await storedLineCounts(db.pool, tt.id)).total
    }
  }
  return stack
}

export interface PostResult { status: number, headers: Headers, json: any }

/** POSTs a drain body the way Logplex does (protocol §11.1). */
export async function postDrain (stack: DrainStack, tt: TestTenant, body: Buffer | string, headers: Record<string, string> = {}): Promise<PostResult> {
  const u = new URL(tt.drainUrl)
  const res = await fetch(`${stack.url}${u.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/logplex-1', 'logplex-drain-token': tt.drainToken, authorization: basic(u.username, u.password), 'logplex-frame-id': randomUUID().replace(/-/g, '').toUpperCase(), ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body)
  })
  const text = await res.text()
  let json: unknown = null
  try { json = text ? JSON.parse(text) : null } catch { json = text }
  return { status: res.status, headers: res.headers, json }
}

/** A request to the data API with the tenant's ADDONKIT_URL credentials. */
export async function api (stack: DrainStack, tt: TestTenant, path: string, init: { method?: string, body?: string, headers?: Record<string, string>, auth?: string } = {}): Promise<PostResult> {
  const res = await fetch(`${stack.url}/v1${path}`, { method: init.method ?? 'GET', body: init.body, headers: { authorization: init.auth ?? tt.apiAuth, ...init.headers } })
  const text = await res.text()
  let json: unknown = null
  try { json = text ? JSON.parse(text) : null } catch { json = text }
  return { status: res.status, headers: res.headers, json }
}

export interface SseTail {
  /** Each line event's data, with the time it arrived (performance.now()). */
  events: Array<{ data: any, at: number }>
  close (): void
}

/** Opens GET /v1/logs/tail and collects its line events; resolves once the tail has announced itself. */
export async function openSseTail (stack: DrainStack, tt: TestTenant, query = ''): Promise<SseTail> {
  const u = new URL(stack.url)
  const events: SseTail['events'] = []
  const req = http.get({ host: u.hostname, port: u.port, path: `/v1/logs/tail${query}`, headers: { authorization: tt.apiAuth } })
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => { req.on('response', resolve); req.on('error', reject) })
  if (res.statusCode !== 200) throw new Error(`tail answered ${res.statusCode}`)
  if (!/^text\/event-stream\b/.test(res.headers['content-type'] ?? '')) throw new Error(`tail answered with content-type ${res.headers['content-type']}`)
  let buf = ''
  res.on('data', (d: Buffer) => {
    const at = performance.now()
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const data = buf.slice(0, i).split('\n').find((l) => l.startsWith('data: '))
      buf = buf.slice(i + 2)
      if (data) events.push({ data: JSON.parse(data.slice(6)), at })
    }
  })
  res.on('error', () => {})
  // The route published the tail's interest on this app's connection before answering; a
  // flush (PING/PONG) on that connection returns after nats-server has delivered it back to
  // ingestion's subscription, which comes before the PONG.
  await stack.app.nats.flush()
  return { events, close: () => req.destroy() }
}

/** The fields of /proc/<pid>/stat after the command name (field 3 first; Linux). */
export function procStat (pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** A process's nice value, from /proc/<pid>/stat (field 19). */
export function niceOf (pid: number): number {
  return Number(procStat(pid)[16])
}
