// Finds or installs the nats-server binary (Debian package `nats-server`) and runs it with
// JetStream on loopback. No npm package ships nats-server, so this is the one system
// dependency the stack installs itself.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { aptInstall } from './apt.js'
import { freePort, waitForPort } from './free-port.js'
import { guardProcess, releaseProcess } from './process/orphan-guard.js'
import { assertPortFree } from './process/port-owner.js'

const candidates = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']

function which (): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' })
  const found = r.stdout.trim()
  if (r.status === 0 && found) return found
  return candidates.find((p) => existsSync(p))
}

export class NatsServerMissingError extends Error {
  constructor (detail: string) {
    super('nats-server is not installed and could not be installed automatically (' + detail + '). ' +
      'Install it with `sudo apt-get install nats-server` (Debian/Ubuntu), or download it from the NATS project, ' +
      'or point NATS_URL at an existing NATS server with JetStream enabled.')
    this.name = 'NatsServerMissingError'
  }
}

/** Returns the nats-server path, installing the Debian package when missing and possible. */
export function ensureNatsServer (log: (msg: string) => void = console.log): string {
  const found = which()
  if (found) return found
  // With its Recommends, as it has always been installed here.
  const outcome = aptInstall('nats-server', log, { recommends: true })
  if (!outcome.ok) throw new NatsServerMissingError(outcome.reason)
  const installed = which()
  if (!installed) throw new NatsServerMissingError('the package installed no nats-server binary')
  return installed
}

export interface NatsServerHandle {
  url: string
  port: number
  process: ChildProcess
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  stop (): Promise<void>
  /** Starts it again on the same port and store (after stop). */
  restart (): Promise<void>
  /** Its HTTP monitoring endpoint (/jsz, /varz), when started with `monitorPort`. */
  monitorUrl?: string
}

export interface NatsServerOptions {
  storeDir: string
  /** A fixed port (npm start); it must be free: a server already there is an error, never adopted. */
  port?: number
  /** What to tell the user to set when the fixed port is taken. */
  portHint?: string
  binary?: string
  log?: (msg: string) => void
  /** Run as one node of a JetStream cluster on loopback (startNatsCluster). */
  cluster?: { name: string, serverName: string, port: number, routes: number[] }
  /** Serve HTTP monitoring (/jsz: the JetStream meta leader) on this loopback port. */
  monitorPort?: number
}

/** Runs nats-server with JetStream, its store in storeDir, on 127.0.0.1. */
export async function startNatsServer (opts: NatsServerOptions): Promise<NatsServerHandle> {
  const binary = opts.binary ?? ensureNatsServer(opts.log)
  const port = opts.port ?? await freePort()
  mkdirSync(opts.storeDir, { recursive: true })
  const launch = async (): Promise<ChildProcess> => {
    await assertPortFree(port, 'nats-server', opts.portHint ?? 'choose another port')
    const c = opts.cluster
    const clusterArgs = c ? ['--server_name', c.serverName, '--cluster_name', c.name, '--cluster', `nats://127.0.0.1:${c.port}`, '--routes', c.routes.map((r) => `nats://127.0.0.1:${r}`).join(',')] : []
    const monitorArgs = opts.monitorPort === undefined ? [] : ['-m', String(opts.monitorPort)]
    const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', opts.storeDir, ...clusterArgs, ...monitorArgs], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
    // Its own process group: a terminal's Ctrl-C reaches the script that started it, which
    // stops the services first and nats-server after them.
    process.once('exit', () => { if (child.exitCode === null) child.kill('SIGTERM') })
    const exited = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${stderr.trim()}`))))
    // Whatever ends this process, the reaper stops nats-server (process/orphan-guard.ts).
    if (child.pid) guardProcess({ pid: child.pid, match: 'nats-server', group: true })
    await Promise.race([waitForPort(port), exited])
    return child
  }
  const handle: NatsServerHandle = {
    url: `nats://127.0.0.1:${port}`,
    port,
    process: await launch(),
    ...(opts.monitorPort === undefined ? {} : { monitorUrl: `http://127.0.0.1:${opts.monitorPort}` }),
    async stop () {
      const child = handle.process
      if (child.exitCode !== null || child.signalCode !== null) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => { clearTimeout(timer); if (child.pid) releaseProcess(child.pid); resolve() })
        child.kill('SIGTERM')
      })
    },
    async restart () {
      await handle.stop()
      handle.process = await launch()
    }
  }
  return handle
}

export interface NatsClusterHandle {
  /** Every node's client URL, comma-separated (what NATS_URL takes). */
  url: string
  nodes: NatsServerHandle[]
  stop (): Promise<void>
}

/**
 * `size` nats-servers with JetStream clustered on loopback (distinct server names, each
 * routing to the others), each with its store under `storeDir`. Resolves once every node
 * listens; JetStream's meta leader is elected shortly after (clients retry until then).
 */
export async function startNatsCluster (opts: { storeDir: string, size?: number, name?: string, binary?: string, log?: (msg: string) => void, /** Fixed client ports from here on (npm start); free ones otherwise. */ firstPort?: number, /** Fixed route ports from here on. */ firstRoutePort?: number, portHint?: string, /** HTTP monitoring on a free port of each node (monitorUrl). */ monitor?: boolean }): Promise<NatsClusterHandle> {
  const size = opts.size ?? 3
  const binary = opts.binary ?? ensureNatsServer(opts.log)
  const clusterPorts: number[] = []
  for (let i = 0; i < size; i++) {
    if (opts.firstRoutePort === undefined) clusterPorts.push(await freePort())
    else {
      const port = opts.firstRoutePort + i
      await assertPortFree(port, `the route port of nats-server n${i + 1}`, opts.portHint ?? 'choose other ports')
      clusterPorts.push(port)
    }
  }
  const nodes: NatsServerHandle[] = []
  try {
    for (let i = 0; i < size; i++) {
      nodes.push(await startNatsServer({
        storeDir: `${opts.storeDir}/n${i + 1}`,
        binary,
        ...(opts.firstPort === undefined ? {} : { port: opts.firstPort + i, portHint: opts.portHint }),
        log: opts.log,
        ...(opts.monitor ? { monitorPort: await freePort() } : {}),
        cluster: { name: opts.name ?? 'addonkit', serverName: `n${i + 1}`, port: clusterPorts[i]!, routes: clusterPorts.filter((_p, j) => j !== i) }
      }))
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()))
    throw err
  }
  return { url: nodes.map((n) => n.url).join(','), nodes, stop: async () => { await Promise.all(nodes.map((n) => n.stop())) } }
}
