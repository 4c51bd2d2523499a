// Registers the platform's processes with the reaper (bin/orphan-reaper.mjs), which stops
// them when this process is gone, whatever signal ended it: a SIGKILL of `npm start` leaves
// nothing running. One reaper per process, started on first use.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// bin/ of this package, two levels above src/process/ (and dist/process/ once built).
const reaperScript = fileURLToPath(new URL('../../bin/orphan-reaper.mjs', import.meta.url))

export interface GuardedProcess {
  pid: number
  /** A piece of its command line (`nats-server`, `postgres`, `server.js`): a reused PID is not signalled. */
  match: string
  /** The pid leads its own process group (spawned detached): the whole group is stopped. */
  group?: boolean
  /** How to ask it to stop; PostgreSQL's fast shutdown is SIGINT. Default SIGTERM. */
  signal?: NodeJS.Signals
}

let reaper: ChildProcess | undefined

function started (): ChildProcess {
  if (reaper && reaper.exitCode === null) return reaper
  reaper = spawn(process.execPath, [reaperScript], { stdio: ['pipe', 'ignore', 'ignore'], detached: true })
  // It must not keep this process alive, nor be killed with its process group by Ctrl-C.
  reaper.unref()
  ;(reaper.stdin as unknown as { unref?: () => void }).unref?.()
  return reaper
}

export function guardProcess (p: GuardedProcess): void {
  started().stdin!.write(JSON.stringify({ watch: p.pid, match: p.match, group: p.group === true, signal: p.signal ?? 'SIGTERM' }) + '\n')
}

export function releaseProcess (pid: number): void {
  if (reaper && reaper.exitCode === null) reaper.stdin!.write(JSON.stringify({ forget: pid }) + '\n')
}
