// A port already in use is an error that names the port, what it was for and the process
// holding it (from /proc on Linux): `npm start` never adopts a server it did not start
// (a stale nats-server whose store was deleted once left the log writer failing forever).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer } from 'node:net'

export class PortTakenError extends Error {
  readonly code = 'INFRA_PORT_TAKEN'
  constructor (readonly port: number, readonly purpose: string, readonly owner: { pid: number, command: string } | null, hint: string) {
    super(`port ${port} (${purpose}) is already in use${owner ? ` by pid ${owner.pid} (${owner.command})` : ''}: stop that process, or ${hint}`)
    this.name = 'PortTakenError'
  }
}

/** Resolves when 127.0.0.1:port can be bound now; otherwise throws PortTakenError. */
export async function assertPortFree (port: number, purpose: string, hint: string): Promise<void> {
  const inUse = await new Promise<boolean>((resolve) => {
    const srv = createServer()
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'))
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(false)))
  })
  if (inUse) throw new PortTakenError(port, purpose, portOwner(port), hint)
}

/** The process listening on a TCP port, from /proc (null where /proc cannot tell). */
export function portOwner (port: number): { pid: number, command: string } | null {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try { text = readFileSync(table, 'utf8') } catch { continue }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length < 10) continue
      const local = f[1]!
      // State 0A is LISTEN; the port is the hex after the colon.
      if (f[3] === '0A' && parseInt(local.slice(local.indexOf(':') + 1), 16) === port) inodes.add(f[9]!)
    }
  }
  if (inodes.size === 0) return null
  let pids: string[] = []
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)) } catch { return null }
  for (const pid of pids) {
    let fds: string[] = []
    try { fds = readdirSync(`/proc/${pid}/fd`) } catch { continue }
    for (const fd of fds) {
      let link = ''
      try { link = readlinkSync(`/proc/${pid}/fd/${fd}`) } catch { continue }
      const m = /^socket:\[(\d+)\]$/.exec(link)
      if (m && inodes.has(m[1]!)) {
        let command = ''
        try { command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() } catch {}
        return { pid: Number(pid), command: command.slice(0, 200) || 'unknown' }
      }
    }
  }
  return null
}
