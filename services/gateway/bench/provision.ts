// Benchmark of new provisions and replays through the real stack (gateway + allocator +
// NATS + PostgreSQL + Heroku simulator, logs driver), side by side in the same run with a
// bare Fastify route that has the same body schema and Basic auth and returns a constant.
// Bounded in count and time; targets 127.0.0.1 only. Run: pnpm --filter @addonkit/gateway bench
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startPostgresServer, startNatsServer, migrate, freePort, waitForPort } from '@addonkit/infra'
import { buildManifest, loadConfig } from '@addonkit/config'
import { testEnv, runLoad, formatRow, type LoadResult } from '@addonkit/testkit'
import { startHerokuSim } from '@addonkit/heroku-sim'
import { basicAuth } from '../src/auth.js'
import { ProvisionBody } from '../src/routes/schemas.js'

function spawnService (specifier: string, env: Record<string, string>): ChildProcess {
  const file = fileURLToPath(import.meta.resolve(specifier))
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  return child
}

const dir = mkdtempSync(join(tmpdir(), 'addonkit-bench-'))
const pg = await startPostgresServer({ dataDir: join(dir, 'pg'), persistent: false })
await pg.ensureDatabase('bench')
await migrate(pg.urlFor('bench'))
const nats = await startNatsServer({ storeDir: join(dir, 'nats') })
const env = testEnv({ DATABASE_URL: pg.urlFor('bench'), NATS_URL: nats.url, LOG_LEVEL: 'warn', DRAIN_PUBLIC_URL: 'https://drain.example.com' })
const base = loadConfig(env, ['addonPassword', 'ssoSalt'])
const manifest = buildManifest({ addon: base.addon, addonPassword: base.addonPassword, ssoSalt: base.ssoSalt, gatewayPublicUrl: 'https://gw.example.com', dashboardPublicUrl: 'https://d.example.com', gatewayTestUrl: 'http://127.0.0.1', dashboardTestUrl: 'http://127.0.0.1' })
const sim = await startHerokuSim({ clientSecret: env.HEROKU_CLIENT_SECRET!, manifest })
env.HEROKU_API_URL = sim.apiUrl
env.HEROKU_ID_URL = sim.idUrl
// The gateway and the allocator run as separate processes, as they do in production; the
// bench process holds only the load generator, the simulator and the bare route.
const gatewayPort = await freePort()
const children = [
  spawnService('@addonkit/allocator/server', { ...env, ALLOCATOR_PORT: String(await freePort()) }),
  spawnService('@addonkit/gateway/server', { ...env, GATEWAY_PORT: String(gatewayPort) })
]
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
await waitForPort(gatewayPort, 60_000)

const bare = Fastify({ logger: false })
bare.addHook('onRequest', basicAuth(base.addon.id, base.addonPassword))
bare.post('/heroku/resources', { schema: { body: ProvisionBody } }, async (req) => ({ id: (req.body as { uuid: string }).uuid, message: 'constant' }))
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })

const auth = 'Basic ' + Buffer.from(`${base.addon.id}:${base.addonPassword}`).toString('base64')
const headers = { authorization: auth, 'content-type': 'application/json', accept: 'application/vnd.heroku-addons+json; version=3' }

function newBody () {
  const uuid = randomUUID()
  sim.registerAddon(uuid, { plan: 'hobby' })
  return { uuid, name: `bench-${uuid.slice(0, 8)}`, plan: 'hobby', region: 'amazon-web-services::us-east-1', callback_url: `${sim.apiUrl}/addons/${uuid}`, oauth_grant: sim.issueGrant(uuid), options: {}, log_input_url: sim.logInputUrl(uuid), log_drain_token: `d.${randomUUID()}` }
}

async function post (url: string, body: unknown): Promise<boolean> {
  const r = await fetch(`${url}/heroku/resources`, { method: 'POST', headers, body: JSON.stringify(body) })
  await r.arrayBuffer()
  return r.status === 200 || r.status === 202
}

const replayPool: unknown[] = []
const run = async (label: string, concurrency: number, total: number, fn: (i: number) => Promise<boolean>): Promise<[string, LoadResult]> =>
  [label, await runLoad({ concurrency, total, maxMs: 30_000, fn })]

// Warm-up (JIT, connection pools), not reported.
await runLoad({ concurrency: 8, total: 200, maxMs: 20_000, fn: async () => { const b = newBody(); replayPool.push(b); return post(gatewayUrl, b) } })
await runLoad({ concurrency: 8, total: 500, maxMs: 10_000, fn: () => post(bareUrl, newBody()) })

const rows: Array<[string, LoadResult]> = []
for (const c of [1, 16, 64]) {
  const total = c === 1 ? 150 : 600
  rows.push(await run(`bare route, c=${c}`, c, total * 2, () => post(bareUrl, newBody())))
  rows.push(await run(`new provision, c=${c}`, c, total, async () => { const b = newBody(); replayPool.push(b); return post(gatewayUrl, b) }))
  rows.push(await run(`replay, c=${c}`, c, total, (i) => post(gatewayUrl, replayPool[i % replayPool.length])))
}

console.log('| scenario | calls | errors | per second | p50 ms | p99 ms |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const [label, r] of rows) console.log(formatRow(label, r))
console.log('')
for (const c of [1, 16, 64]) {
  const get = (prefix: string) => rows.find(([l]) => l === `${prefix}, c=${c}`)![1]
  const b = get('bare route'); const n = get('new provision'); const r = get('replay')
  console.log(`c=${c}: new provision ${(n.perSecond / b.perSecond).toFixed(3)}x the bare route's throughput (p99 ${n.p99.toFixed(1)} vs ${b.p99.toFixed(1)} ms); replay ${(r.perSecond / b.perSecond).toFixed(3)}x (p99 ${r.p99.toFixed(1)} ms); replay/new throughput ${(r.perSecond / n.perSecond).toFixed(2)}x`)
}

for (const c of children) c.kill('SIGTERM')
await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))))
await bare.close(); await sim.close()
await nats.stop(); await pg.stop()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
