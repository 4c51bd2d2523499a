// The writer as its own process (src/writer-server.ts, `npm run start:writer`) beside a
// log-drain that only ingests (DRAIN_WRITER=off): it reports ready once PostgreSQL and NATS
// answer, stores what ingestion acknowledged, and stops with exit code 0 on SIGTERM.
import t from 'tap'
import net from 'node:net'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { encodeFrames } from '@addonkit/logplex'
import { eventually, postDrain, startDrainStack } from './helper.js'

async function freePort (): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as net.AddressInfo).port
  await new Promise((resolve) => s.close(resolve))
  return port
}

t.test('writer-server: ready, stores what an ingest-only log-drain accepted, exits 0 on SIGTERM', async (t) => {
  const stack = await startDrainStack(t, { env: { DRAIN_WRITER: 'off' } })
  const tenant = await stack.tenant()
  const port = await freePort()
  const file = fileURLToPath(new URL('../src/writer-server.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', file], {
    env: { PATH: process.env.PATH ?? '', ...stack.env, DRAIN_WRITER_PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => { stderr += d })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })

  const readyz = async () => { try { return (await fetch(`http://127.0.0.1:${port}/readyz`)).status } catch { return 0 } }
  await eventually(async () => (await readyz()) === 200, 60_000, 100).catch(() => {})
  t.equal(await readyz(), 200, `readyz answers 200 (stderr: ${stderr.slice(0, 500)})`)
  t.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200)

  const lines = Array.from({ length: 25 }, (_, i) => ({ timestamp: new Date().toISOString(), appName: 'app', procId: 'web.1', message: `writer-process ${i}` }))
  t.equal((await postDrain(stack, tenant, encodeFrames(lines))).status, 204)
  const stored = () => stack.storedCount(tenant)
  await eventually(async () => (await stored()) >= 25, 30_000, 100).catch(() => {})
  t.equal(await stored(), 25, 'every acknowledged line stored by the writer process, once')

  child.kill('SIGTERM')
  const code = await Promise.race([exited, sleep(15_000).then(() => 'still running')])
  t.equal(code, 0, 'graceful stop')
})
