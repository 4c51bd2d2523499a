// The platform as `npm start` runs it (platform.ts: real PostgreSQL and nats-server, the
// Heroku simulator, the four services as their own processes), judged from outside by
// `npm run check` with nothing but the manifest it wrote; and the deprovisioning a user
// types with curl.
import t from 'tap'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { repoRoot } from '../src/paths.js'
import { startTestPlatform } from './platform-helper.js'

t.setTimeout(240_000)

t.test('npm run check against the platform started the npm start way: every must rule passes', async (t) => {
  const platform = await startTestPlatform(t)
  const { output, ports } = platform

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

  // Supervision: a service killed from outside is started again and serves again.
  const killed = platform.children.get('gateway')!
  killed.kill('SIGKILL')
  const deadline = Date.now() + 60_000
  let ready = false
  while (!ready && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const current = platform.children.get('gateway')!
    if (current === killed || current.exitCode !== null) continue
    ready = await fetch(`${platform.gatewayUrl}/readyz`).then((r) => r.status === 200, () => false)
  }
  t.ok(ready, 'the SIGKILLed gateway was restarted and is ready')
  t.not(platform.children.get('gateway')!.pid, killed.pid, 'as a new process')
  const again = await fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: auth }, body: JSON.stringify({ uuid: randomUUID(), plan: 'hobby', region: 'amazon-web-services::us-east-1' }) })
  t.equal(again.status, 200, 'and provisions')
})
