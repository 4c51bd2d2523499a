// A whole platform as `npm start` runs it (platform.ts), on free ports, in a fresh database
// of a given PostgreSQL and a private nats-server, with the services from source: for
// tests and benchmarks. Its stop() leaves nothing behind (processes, database, files).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort, startNatsCluster, startNatsServer, type NatsClusterHandle, type NatsServerHandle } from '@addonkit/local-servers'
import { startPlatform, type Platform } from './platform.js'
import { loadOrCreateSecrets } from './secrets-file.js'
import { migrate } from './stack.js'

export interface ThrowawayPlatformOptions {
  /** A superuser URL of the PostgreSQL to create the database on. */
  adminUrl: string
  /** A migrated template database to clone (fast); without one, a new database is migrated. */
  template?: string
  env?: Record<string, string>
  serviceOutput?: (name: string, chunk: Buffer) => void
  /** Processes per service, behind a balancer on the service's port (platform.ts). Default 1. */
  replicas?: number
  /** A JetStream cluster of this many nats-servers instead of one. Default 1. */
  natsCluster?: number
  /** HTTP monitoring on each nats-server (NatsServerHandle.monitorUrl). */
  natsMonitor?: boolean
  /**
   * Rewrites the URLs the services are given for the platform's database and NATS, e.g. to
   * send them through fault proxies (the chaos suite). The platform's own checks use the
   * real URLs.
   */
  via?: { database?: (url: string) => Promise<string> | string, nats?: (url: string) => Promise<string> | string }
}

export interface ThrowawayPlatform extends Platform {
  dataDir: string
  ports: Record<string, number>
  /** The platform's nats-server, or its cluster (`natsCluster`). */
  nats: NatsServerHandle | NatsClusterHandle
}

export async function startThrowawayPlatform (o: ThrowawayPlatformOptions): Promise<ThrowawayPlatform> {
  const cleanups: Array<() => Promise<unknown> | unknown> = []
  const cleanup = async () => { for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => {}) }
  try {
    const dataDir = mkdtempSync(join(tmpdir(), 'addonkit-platform-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const name = `t_${randomBytes(6).toString('hex')}`
    const admin = async (sql: string) => { const c = new pg.Client({ connectionString: o.adminUrl }); await c.connect(); try { await c.query(sql) } finally { await c.end() } }
    await admin(o.template ? `CREATE DATABASE ${name} TEMPLATE ${o.template}` : `CREATE DATABASE ${name}`)
    cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    const u = new URL(o.adminUrl)
    u.pathname = `/${name}`
    if (!o.template) await migrate(u.toString())
    const nats = (o.natsCluster ?? 1) > 1
      ? await startNatsCluster({ storeDir: join(dataDir, 'nats'), size: o.natsCluster!, monitor: o.natsMonitor })
      : await startNatsServer({ storeDir: join(dataDir, 'nats'), ...(o.natsMonitor ? { monitorPort: await freePort() } : {}) })
    cleanups.push(() => nats.stop())
    const ports = { GATEWAY_PORT: await freePort(), DASHBOARD_PORT: await freePort(), DRAIN_PORT: await freePort(), ALLOCATOR_PORT: await freePort(), HEROKU_SIM_PORT: await freePort() }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      DATABASE_URL: o.via?.database ? await o.via.database(u.toString()) : u.toString(),
      NATS_URL: o.via?.nats ? await o.via.nats(nats.url) : nats.url,
      RESOURCE_PG_ADMIN_URL: o.adminUrl,
      LOG_LEVEL: 'warn',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      ...o.env
    }
    const platform = await startPlatform({ dataDir, env, secrets: loadOrCreateSecrets(dataDir, {}), log: () => {}, services: 'source', persistent: false, replicas: o.replicas ?? 1, ...(o.serviceOutput ? { serviceOutput: o.serviceOutput } : {}) })
    cleanups.push(() => platform.stop())
    return { ...platform, dataDir, ports, nats, stop: cleanup }
  } catch (err) {
    await cleanup()
    throw err
  }
}
