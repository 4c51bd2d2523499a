// Test helpers: the real resources (resources.ts), the platform harness (platform.ts), load
// generation and benchmark results, and the contracts every service's tests check.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ADDON_DEFINITION } from '@addonkit/config'
import { createTestDatabase, startTestNats, testEnv, eventually, type Teardown, type NatsServerHandle } from './resources.js'

export * from './resources.js'

interface Injectable { inject (path: string): Promise<{ statusCode: number, json (): any }> }
interface Asserts { equal (...args: any[]): unknown, match (...args: any[]): unknown }

/**
 * The readiness contract every service keeps: /healthz 200; /readyz 200 with both checks
 * ok; 503 naming nats while nats-server is down; 200 again after it restarts, with no
 * restart of the service.
 */
export async function checkReadinessFollowsNats (t: Asserts, app: Injectable, nats: NatsServerHandle): Promise<void> {
  t.equal((await app.inject('/healthz')).statusCode, 200, 'healthz')
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200, 'ready')
  t.match(ready.json().checks, { postgres: 'ok', nats: 'ok' })
  await nats.stop()
  const down = await eventually(async () => { const r = await app.inject('/readyz'); return r.statusCode === 503 ? r : undefined })
  t.match(down.json().status, /nats: /, '503 names nats')
  t.equal(down.json().checks.postgres, 'ok')
  await nats.restart()
  await eventually(async () => (await app.inject('/readyz')).statusCode === 200, 15_000)
  t.equal((await app.inject('/readyz')).statusCode, 200, 'ready again without restarting the service')
}

/** Runs a service's start-up file with env and returns its exit code and output. */
export async function runServerFile (file: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null, stderr: string, stdout: string }> {
  const { spawn } = await import('node:child_process')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''; let stdout = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d })
    child.stdout.on('data', (d: Buffer) => { stdout += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${file} did not exit within ${timeoutMs} ms`)) }, timeoutMs)
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stderr, stdout }) })
  })
}
export * from './load.js'
export * from './platform.js'
export * from './bench-results.js'

interface TapLike extends Teardown, Asserts { test (name: string, fn: (t: TapLike) => Promise<void>): unknown }
interface ClosableApp extends Injectable { close (): Promise<unknown> }

/**
 * The start-up contract every service keeps, as two tests: /healthz and /readyz follow
 * nats-server down and back up; a malformed variable stops start-up with one line naming it.
 */
export function serviceStartupTests<C> (t: TapLike, opts: { loadConfig: (env: Record<string, string>) => C, buildApp: (config: C) => Promise<ClosableApp>, serverFile: string }): void {
  t.test('healthz, and readyz follows nats-server down and back up', async (t) => {
    const nats = await startTestNats(t)
    const app = await opts.buildApp(opts.loadConfig(testEnv({ DATABASE_URL: await createTestDatabase(t), NATS_URL: nats.url, LOG_LEVEL: 'silent' })))
    t.teardown(() => app.close())
    await checkReadinessFollowsNats(t, app, nats)
  })
  t.test('a malformed variable stops start-up with one line naming it', async (t) => {
    const r = await runServerFile(opts.serverFile, testEnv({ DATABASE_URL: 'mysql://nope', NATS_URL: 'nats://127.0.0.1:1' }))
    t.equal(r.code, 1)
    t.equal(r.stderr.trim().split('\n').length, 1)
    t.match(r.stderr, /DATABASE_URL: must use postgres: or postgresql:/)
  })
}

/** Writes the shipped add-on definition, changed by `edit`, to a temp file; returns its path (for ADDON_DEFINITION). */
export function writeAddonDefinition (edit: (def: { config_vars: string[], plans: unknown[] } & Record<string, unknown>) => void): string {
  const def = JSON.parse(readFileSync(DEFAULT_ADDON_DEFINITION, 'utf8'))
  edit(def)
  const file = join(mkdtempSync(join(tmpdir(), 'addonkit-def-')), 'addon.json')
  writeFileSync(file, JSON.stringify(def))
  return file
}
