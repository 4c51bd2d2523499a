// Benchmark of SSO logins (protocol §10): signed form POSTs to /sso/login on the real dashboard
// (its own process, PostgreSQL sessions and single-use nonces), side by side in the same
// run with a bare Fastify route that parses the same form and answers the same 303.
// Bounded in count and time; targets 127.0.0.1 only. Run: pnpm --filter @addonkit/dashboard bench
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import { createDb } from '@addonkit/db'
import { startPostgresServer, startNatsServer, migrate, freePort, waitForPort } from '@addonkit/infra'
import { testEnv, runLoad, formatRow, type LoadResult } from '@addonkit/testkit'
import { userScopedResourceToken } from '../src/sso/tokens.js'

const dir = mkdtempSync(join(tmpdir(), 'addonkit-bench-sso-'))
const pg = await startPostgresServer({ dataDir: join(dir, 'pg'), persistent: false })
await pg.ensureDatabase('bench')
await migrate(pg.urlFor('bench'))
const nats = await startNatsServer({ storeDir: join(dir, 'nats') })
const port = await freePort()
const env = testEnv({ DATABASE_URL: pg.urlFor('bench'), NATS_URL: nats.url, LOG_LEVEL: 'warn', DASHBOARD_PORT: String(port) })
const dashboard = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', fileURLToPath(new URL('../src/server.ts', import.meta.url))], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
await waitForPort(port, 60_000)

const db = createDb(pg.urlFor('bench'))
const instances: string[] = []
for (let i = 0; i < 50; i++) {
  const uuid = randomUUID()
  await db.prisma.instance.create({ data: { uuid, name: `bench-${i}`, plan: 'hobby', region: 'us', driver: 'logs', state: 'provisioned' } })
  instances.push(uuid)
}

const bare = Fastify({ logger: false })
await bare.register(formbody)
bare.post('/sso/login', async (req, reply) => reply.code(303).header('location', `/dashboard/${(req.body as { resource_id: string }).resource_id}`).send())
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })

function form (i: number): string {
  const resourceId = instances[i % instances.length]!
  const timestamp = String(Math.floor(Date.now() / 1000))
  const userId = randomUUID()
  const email = `user${i}@example.com`
  return new URLSearchParams({ resource_id: resourceId, timestamp, user_id: userId, email, app: 'bench-app', user_scoped_resource_token: userScopedResourceToken(resourceId, env.ADDON_SSO_SALT!, timestamp, userId, email) }).toString()
}

async function login (base: string, i: number): Promise<boolean> {
  const r = await fetch(`${base}/sso/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(i), redirect: 'manual' })
  await r.arrayBuffer()
  return r.status === 303
}

const dashUrl = `http://127.0.0.1:${port}`
await runLoad({ concurrency: 8, total: 300, maxMs: 20_000, fn: (i) => login(dashUrl, i) })
await runLoad({ concurrency: 8, total: 300, maxMs: 20_000, fn: (i) => login(bareUrl, i) })
const rows: Array<[string, LoadResult]> = []
let offset = 1_000
for (const c of [1, 16]) {
  const total = c === 1 ? 300 : 1500
  rows.push([`bare route, c=${c}`, await runLoad({ concurrency: c, total, maxMs: 20_000, fn: (i) => login(bareUrl, offset + i) })])
  rows.push([`SSO login, c=${c}`, await runLoad({ concurrency: c, total, maxMs: 20_000, fn: (i) => login(dashUrl, offset + i) })])
  offset += total
}
console.log('| scenario | calls | errors | per second | p50 ms | p99 ms |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const [label, r] of rows) console.log(formatRow(label, r))
for (const c of [1, 16]) {
  const b = rows.find(([l]) => l === `bare route, c=${c}`)![1]
  const s = rows.find(([l]) => l === `SSO login, c=${c}`)![1]
  console.log(`c=${c}: SSO logins ${(s.perSecond / b.perSecond).toFixed(3)}x the bare route's throughput; p99 ${s.p99.toFixed(1)} vs ${b.p99.toFixed(1)} ms`)
}
dashboard.kill('SIGTERM')
await new Promise((resolve) => dashboard.once('exit', resolve))
await bare.close(); await db.close(); await nats.stop(); await pg.stop()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
