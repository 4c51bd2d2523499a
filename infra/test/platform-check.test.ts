// The platform as `npm start` runs it (platform.ts: real PostgreSQL and nats-server, the
// Heroku simulator, the four services as their own processes), judged from outside by
// `npm run check` with nothing but the manifest it wrote; and the deprovisioning a user
// types with curl.
import t from 'tap'
import { execFile } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from '../src/free-port.js'
import { startNatsServer } from '../src/nats-server.js'
import { startPlatform } from '../src/platform.js'
import { repoRoot } from '../src/paths.js'
import { loadOrCreateSecrets } from '../src/secrets-file.js'

t.setTimeout(240_000)

async function testDatabase (t: { teardown (fn: () => unknown): void }): Promise<{ url: string, adminUrl: string }> {
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

t.test('npm run check against the platform started the npm start way: every must rule passes', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'addonkit-platform-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const db = await testDatabase(t)
  const nats = await startNatsServer({ storeDir: join(dataDir, 'nats') })
  t.teardown(() => nats.stop())
  const ports = { GATEWAY_PORT: await freePort(), DASHBOARD_PORT: await freePort(), DRAIN_PORT: await freePort(), ALLOCATOR_PORT: await freePort(), HEROKU_SIM_PORT: await freePort() }
  const output: string[] = []
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATABASE_URL: db.url, NATS_URL: nats.url, RESOURCE_PG_ADMIN_URL: db.adminUrl, LOG_LEVEL: 'warn', ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) }
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

  const check = await new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', join(repoRoot, 'infra', 'src', 'cli', 'check.ts'), '--manifest', platform.manifestPath], { cwd: repoRoot, timeout: 180_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
  if (check.code !== 0) t.comment(`${check.stdout}\n${check.stderr}\n${output.join('').slice(-4000)}`)
  t.equal(check.code, 0, 'addonkit check exits 0')
  t.match(check.stdout, /\n\d+ passed, 0 failed, \d+ warnings, 0 skipped in/, 'no must rule fails, none is skipped')
  t.match(check.stderr, new RegExp(`Playing Heroku through the Heroku simulator named in .*heroku-sim\\.json \\(http://127\\.0\\.0\\.1:${ports.HEROKU_SIM_PORT}\\)`), 'it found the platform\'s simulator by itself')
  // The only warning a local platform earns: its production URLs are http.
  const warnings = check.stdout.split('\n').filter((l) => /^ {2}! /.test(l))
  t.same(warnings.map((l) => l.trim().split(/\s+/)[1]), ['manifest.production-https'])

  // What a user types: curl -X DELETE -H 'Content-Type: application/json' -u id:password {base}/{uuid}
  const auth = `Basic ${Buffer.from(`${platform.manifest.id}:${platform.manifest.api.password}`).toString('base64')}`
  const base = `${platform.gatewayUrl}/heroku/resources`
  const uuid = randomUUID()
  const provision = () => fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: auth }, body: JSON.stringify({ uuid, plan: 'hobby', region: 'amazon-web-services::us-east-1' }) })
  const del = () => fetch(`${base}/${uuid}`, { method: 'DELETE', headers: { 'Content-Type': 'application/json', Authorization: auth } })
  const first = await provision()
  t.equal(first.status, 200)
  // Heroku (and kensa) want an https drain: the local log-drain serves a self-signed one.
  t.match((await first.json()).log_drain_url, /^https:\/\/[^@]+@127\.0\.0\.1:\d+\/drain$/)
  t.ok(platform.drainCa?.includes('BEGIN CERTIFICATE'), 'and the platform names the certificate its clients trust')
  t.equal((await del()).status, 204, 'the DELETE as curl sends it deprovisions')
  t.equal((await del()).status, 410, 'a second DELETE answers 410')
  t.equal((await provision()).status, 410, 'provisioning that uuid again answers 410')
})
