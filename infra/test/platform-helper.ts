// The platform as `npm start` runs it (platform.ts), for tests: a fresh database cloned
// from the migrated template, a private nats-server, free ports, the services from source
// as their own processes, the Heroku simulator in this process. Torn down after the test.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from '../src/free-port.js'
import { startNatsServer } from '../src/nats-server.js'
import { startPlatform, type Platform } from '../src/platform.js'
import { loadOrCreateSecrets } from '../src/secrets-file.js'

export interface Teardown { teardown (fn: () => unknown): void }

export interface TestPlatform extends Platform {
  dataDir: string
  /** What the services printed (tail it when a test fails). */
  output: string[]
  ports: Record<string, number>
}

async function testDatabase (t: Teardown): Promise<{ url: string, adminUrl: string }> {
  const adminUrl = process.env.ADDONKIT_TEST_PG_ADMIN_URL
  if (!adminUrl) throw new Error('ADDONKIT_TEST_PG_ADMIN_URL is not set: run the tests with `npm test`')
  const name = `t_${randomBytes(6).toString('hex')}`
  const admin = async (sql: string) => { const c = new pg.Client({ connectionString: adminUrl }); await c.connect(); try { await c.query(sql) } finally { await c.end() } }
  await admin(`CREATE DATABASE ${name} TEMPLATE ${process.env.ADDONKIT_TEST_TEMPLATE_DB ?? 'addonkit_template'}`)
  t.teardown(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {}))
  const u = new URL(adminUrl)
  u.pathname = `/${name}`
  return { url: u.toString(), adminUrl }
}

export async function startTestPlatform (t: Teardown, extraEnv: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'addonkit-platform-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const db = await testDatabase(t)
  const nats = await startNatsServer({ storeDir: join(dataDir, 'nats') })
  t.teardown(() => nats.stop())
  const ports = { GATEWAY_PORT: await freePort(), DASHBOARD_PORT: await freePort(), DRAIN_PORT: await freePort(), ALLOCATOR_PORT: await freePort(), HEROKU_SIM_PORT: await freePort() }
  const output: string[] = []
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATABASE_URL: db.url, NATS_URL: nats.url, RESOURCE_PG_ADMIN_URL: db.adminUrl, LOG_LEVEL: 'warn', ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), ...extraEnv }
  const platform = await startPlatform({
    dataDir,
    env,
    secrets: loadOrCreateSecrets(dataDir, {}),
    log: () => {},
    services: 'source',
    persistent: false,
    serviceOutput: (name, chunk) => { output.push(`${name}: ${chunk}`) }
  })
  t.teardown(() => platform.stop())
  return { ...platform, dataDir, output, ports }
}
