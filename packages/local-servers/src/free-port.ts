// A free loopback TCP port for a server that a process of its own will bind later.
//
// The port is taken from below the kernel's ephemeral range (Linux:
// /proc/sys/net/ipv4/ip_local_port_range, 32768–60999 by default). A port from inside it,
// as listen(0) gives, is free only until the server binds it, often a second later after
// its start-up; meanwhile the kernel may hand the same port to any outgoing connection or
// listen(0) of the machine. That happened in a CI run: a replica of the chaos suite failed
// with EADDRINUSE while the other packages' tests ran beside it. Below the range only another
// explicit bind can collide, and ports are picked at random there to make that unlikely.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { randomInt } from 'node:crypto'

/** The ephemeral range's first port, or null when it cannot be read (not Linux). */
function ephemeralStart (): number | null {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(first) && first > 0 ? first : null
  } catch { return null }
}

/** Whether a server can listen on 127.0.0.1:port right now. */
function canListen (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/** A port the kernel chooses (listen(0)): inside the ephemeral range. */
function kernelPort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => { typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port')) })
    })
  })
}

/** How many ports below the ephemeral range are picked from. */
const SPAN = 10_000

export async function freePort (): Promise<number> {
  const start = ephemeralStart()
  // Only when there is room below the range that is not a well-known or registered low port.
  if (start !== null && start - SPAN >= 10_000) {
    for (let attempt = 0; attempt < 40; attempt++) {
      const port = randomInt(start - SPAN, start)
      if (await canListen(port)) return port
    }
  }
  return kernelPort()
}

/** Resolves once something accepts TCP connections on host:port, or rejects after timeoutMs. */
export async function waitForPort (port: number, timeoutMs = 15_000, host = '127.0.0.1'): Promise<void> {
  const { connect } = await import('node:net')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host }, () => { s.destroy(); resolve(true) })
      s.on('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing is listening on ${host}:${port} after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
