// A small TCP load balancer for `npm start -- --replicas N`: one listening port in front of
// a service's replicas, each new connection sent to the next replica in turn. It works below
// HTTP, so TLS (the log-drain's https) passes through untouched and keep-alive connections
// stay on one replica. A replica that refuses the connection (stopped, restarting) is
// skipped for a second and the connection tried on the next one, so a client sees an error
// only when no replica accepts. Node built-ins only.
import net from 'node:net'

export interface Backend { host: string, port: number }

export interface TcpBalancer {
  port: number
  /** Connections sent to each backend so far, by "host:port". */
  counts (): Record<string, number>
  close (): Promise<void>
}

const DOWN_MS = 1000

export async function startTcpBalancer (opts: { host?: string, port: number, backends: () => Backend[] }): Promise<TcpBalancer> {
  const host = opts.host ?? '127.0.0.1'
  let next = 0
  const downUntil = new Map<string, number>()
  const counts: Record<string, number> = {}
  const sockets = new Set<net.Socket>()
  const keyOf = (b: Backend) => `${b.host}:${b.port}`

  /** Backends in round-robin order from the next one, those marked down last. */
  function order (): Backend[] {
    const all = opts.backends()
    if (all.length === 0) return []
    const start = next++ % all.length
    const rotated = [...all.slice(start), ...all.slice(0, start)]
    const now = Date.now()
    const up = rotated.filter((b) => (downUntil.get(keyOf(b)) ?? 0) <= now)
    return [...up, ...rotated.filter((b) => !up.includes(b))]
  }

  function connect (client: net.Socket, candidates: Backend[]): void {
    const b = candidates.shift()
    if (!b || client.destroyed) { client.destroy(); return }
    const upstream = net.connect({ host: b.host, port: b.port })
    sockets.add(upstream)
    let connected = false
    upstream.once('connect', () => {
      connected = true
      counts[keyOf(b)] = (counts[keyOf(b)] ?? 0) + 1
      client.pipe(upstream)
      upstream.pipe(client)
      client.resume()
    })
    upstream.on('error', () => {
      if (!connected) {
        // Refused or unreachable: try the next replica with the same client connection.
        downUntil.set(keyOf(b), Date.now() + DOWN_MS)
        sockets.delete(upstream)
        connect(client, candidates)
      } else client.destroy()
    })
    upstream.on('close', () => { sockets.delete(upstream); if (connected) client.destroy() })
    client.on('close', () => { if (connected) upstream.destroy() })
  }

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => {})
    connect(client, order())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, host, () => { server.off('error', reject); resolve() })
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    counts: () => ({ ...counts }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      for (const s of sockets) s.destroy()
    })
  }
}
