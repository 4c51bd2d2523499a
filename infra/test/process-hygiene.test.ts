// What `npm start` starts never outlives it, and never adopts what it did not start: the
// reaper stops nats-server, PostgreSQL and the services whatever ended their parent (here
// SIGKILL); a port in use is an error naming the port and its process; a crashing service
// is restarted with backoff, and left stopped after a crash loop.
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { assertPortFree, PortTakenError } from '@addonkit/local-servers'
import { nextRestart, DEFAULT_RESTART_POLICY } from '../src/process/restart-policy.js'

const alive = (pid: number) => { try { process.kill(pid, 0); return true } catch { return false } }
const cmdline = (pid: number) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8') } catch { return '' } }

t.test('SIGKILL of the parent leaves nothing running: nats-server, PostgreSQL and services are reaped', async (t) => {
  const fixture = fileURLToPath(new URL('./fixtures/guarded-stack.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', fixture], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => { out += d; const i = out.indexOf('\n'); if (i >= 0) resolve(out.slice(0, i)) })
    child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)))
  })
  const pids = JSON.parse(line) as { nats: number, postgres: number, service: number, dir: string }
  t.teardown(() => rmSync(pids.dir, { recursive: true, force: true }))
  for (const [what, pid] of [['nats-server', pids.nats], ['postgres', pids.postgres], ['service', pids.service]] as const) t.ok(alive(pid), `${what} runs (pid ${pid})`)
  child.kill('SIGKILL')
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline && [pids.nats, pids.postgres, pids.service].some((p) => alive(p) && !/defunct/.test(cmdline(p)) && cmdline(p) !== '')) await new Promise((resolve) => setTimeout(resolve, 100))
  for (const [what, pid] of [['nats-server', pids.nats], ['postgres', pids.postgres], ['service', pids.service]] as const) {
    t.ok(!alive(pid) || cmdline(pid) === '', `${what} is gone after the parent's SIGKILL`)
  }
})

t.test('a port in use is an error naming the port, its purpose and the process holding it', async (t) => {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => srv.close(() => resolve())))
  const port = (srv.address() as { port: number }).port
  const err = await assertPortFree(port, 'nats-server', 'set EMBEDDED_NATS_PORT to another port').catch((e: unknown) => e)
  t.ok(err instanceof PortTakenError)
  t.match((err as Error).message, new RegExp(`^port ${port} \\(nats-server\\) is already in use by pid ${process.pid} \\(.*node.*\\): stop that process, or set EMBEDDED_NATS_PORT to another port$`))
  await srv.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  await t.resolves(assertPortFree(port, 'nats-server', 'x'), 'free once closed')
})

t.test('restart policy: at once, then doubling, and not after a crash loop', async (t) => {
  const now = 1_000_000
  t.same(nextRestart([now], now), { restart: true, delayMs: 0, crashesInWindow: 1 })
  t.same(nextRestart([now - 5000, now], now), { restart: true, delayMs: 1000, crashesInWindow: 2 })
  t.same(nextRestart([now - 9000, now - 5000, now - 1000, now], now), { restart: true, delayMs: 4000, crashesInWindow: 4 })
  t.same(nextRestart([now - 50_000, now - 40_000, now - 30_000, now - 20_000, now], now), { restart: false, crashesInWindow: 5 })
  t.same(nextRestart([now - 120_000, now - 100_000, now - 90_000, now - 70_000, now], now), { restart: true, delayMs: 0, crashesInWindow: 1 }, 'old exits do not count')
  t.equal(DEFAULT_RESTART_POLICY.maxCrashes, 5)
})
