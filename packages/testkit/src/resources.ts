// The real resources a test stands on: a database cloned from the migrated template, a
// private nats-server or cluster, generated secrets, log capture and polling; each torn
// down when the test ends.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pg from 'pg'
import { startNatsServer, startNatsCluster, type NatsServerHandle, type NatsClusterHandle } from '@addonkit/local-servers'
import { generateKeyRingSpec, randomSecret } from '@addonkit/secrets'

export type { NatsServerHandle, NatsClusterHandle }

export interface Teardown { teardown (fn: () => unknown): void }

/**
 * Registers a teardown step that may take at most `ms`. A step still running after that is
 * reported on stderr, by name, and the teardown goes on. Dashboard test files that passed
 * every assertion used to hang here until tap's 300 s limit: their DROP DATABASE waited for
 * a checkpoint, and the checkpointer was blocked writing a log line to the test runner,
 * which read nothing while it sat in spawnSync (fixed in infra's runCommand). The bound
 * stays, so a hang of that kind names its step instead of only timing out.
 */
export function boundedTeardown (t: Teardown, name: string, fn: () => unknown, ms = 30_000): void {
  t.teardown(async () => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), ms) })
    const outcome = await Promise.race([Promise.resolve().then(fn).then(() => 'done' as const), late])
    clearTimeout(timer)
    if (outcome === 'late') process.stderr.write(`testkit: teardown step "${name}" did not finish within ${ms} ms; going on\n`)
  })
}

function adminUrl (): string {
  const url = process.env.ADDONKIT_TEST_PG_ADMIN_URL
  if (!url) throw new Error('ADDONKIT_TEST_PG_ADMIN_URL is not set: run the tests with `npm test` from the repository root, which starts PostgreSQL')
  return url
}

async function admin<T> (fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() })
  await client.connect()
  try { return await fn(client) } finally { await client.end() }
}

/** Creates a database from the migrated template; dropped when the test ends. */
export async function createTestDatabase (t: Teardown): Promise<string> {
  const template = process.env.ADDONKIT_TEST_TEMPLATE_DB ?? 'addonkit_template'
  const name = `t_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`))
  boundedTeardown(t, `drop database ${name}`, () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => {}))
  const u = new URL(adminUrl())
  u.pathname = `/${name}`
  return u.toString()
}

/** A private nats-server with JetStream for this test; stopped when the test ends. */
export async function startTestNats (t: Teardown): Promise<NatsServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-nats-'))
  const nats = await startNatsServer({ storeDir: dir })
  boundedTeardown(t, `stop nats-server ${nats.url}`, async () => { await nats.stop(); rmSync(dir, { recursive: true, force: true }) })
  return nats
}

/** Three nats-servers with JetStream clustered on loopback for this test; stopped when it ends. */
export async function startTestNatsCluster (t: Teardown, size = 3): Promise<NatsClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-nats-cluster-'))
  const cluster = await startNatsCluster({ storeDir: dir, size })
  boundedTeardown(t, `stop nats cluster ${cluster.url}`, async () => { await cluster.stop(); rmSync(dir, { recursive: true, force: true }) })
  return cluster
}

/** Environment with freshly generated secrets, as the start script would provide. */
export function testEnv (overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ADDON_PASSWORD: randomSecret(24),
    ADDON_SSO_SALT: randomSecret(24),
    HEROKU_CLIENT_SECRET: randomSecret(24),
    ENCRYPTION_KEYS: generateKeyRingSpec(),
    SESSION_SECRET: randomSecret(32),
    LOG_LEVEL: 'info',
    ...overrides
  }
}

/** A stream that keeps every log line written to it, for assertions on logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write (chunk: Buffer, _enc: string, cb: () => void) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line)
    cb()
  }
  get text (): string { return this.lines.join('\n') }
}

/** Polls fn until it returns a truthy value or the timeout passes. */
type Falsy = false | 0 | '' | null | undefined

export async function eventually<T> (fn: () => Promise<T | Falsy> | T | Falsy, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v as T
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/**
 * EXPLAIN (GENERIC_PLAN) of each statement text (parameters as $1, $2, …) on the database at
 * `url`: the plan a prepared statement keeps once PostgreSQL stops planning it per call. For
 * tests that a statement finds its rows by index whatever its parameters.
 */
export async function explainGeneric (url: string, texts: Iterable<string>): Promise<string[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const plans: string[] = []
    for (const text of texts) plans.push((await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (GENERIC_PLAN) ${text}`)).rows.map((r) => r['QUERY PLAN']).join('\n'))
    return plans
  } finally { await client.end() }
}

/**
 * `pool` as it is, plus the number of rows each batched statement carried: for every
 * statement whose first parameter is a JSON array (how the group-committed statements pass
 * their rows), its length goes into `sizes`. Tests see which requests shared a statement.
 */
export function batchSizes (pool: Pick<pg.Pool, 'query'>): { pool: Pick<pg.Pool, 'query'>, sizes: number[] } {
  const sizes: number[] = []
  const query = (q: string | { values?: unknown[] }, v?: unknown[]) => {
    const first = (typeof q === 'string' ? v : q.values)?.[0]
    if (typeof first === 'string' && first.startsWith('[')) sizes.push((JSON.parse(first) as unknown[]).length)
    return (pool.query as (...a: unknown[]) => unknown)(q, v)
  }
  return { pool: { query } as unknown as Pick<pg.Pool, 'query'>, sizes }
}
