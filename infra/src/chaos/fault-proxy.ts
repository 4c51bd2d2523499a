// A small TCP fault proxy for the chaos suite (Toxiproxy cannot be installed here): one
// listening port in front of one server (a nats-server, PostgreSQL), through which the
// services connect. It forwards bytes both ways and, on command, adds latency to every
// chunk, cuts every open connection, or drops every byte for a while (a black hole: the
// connections hang, then are cut, since a stream that lost bytes cannot be resumed).
// Node built-ins only.
import net from 'node:net'

export interface FaultProxy {
  port: number
  /** The target's URL with its host and port replaced by the proxy's. */
  rewrite (url: string): string
  /** Delays every chunk in both directions by ms (0: none). */
  latency (ms: number): void
  /** Resets every open connection; new ones are accepted as before. Returns how many. */
  cut (): number
  /** Drops every byte for ms, in both directions, then cuts the connections that lost bytes. */
  blackhole (ms: number): Promise<void>
  /** Connections accepted so far, and open now. */
  stats (): { accepted: number, open: number }
  close (): Promise<void>
}

export async function startFaultProxy (target: { host?: string, port: number }): Promise<FaultProxy> {
  const host = target.host ?? '127.0.0.1'
  let delay = 0
  let dropping = false
  let accepted = 0
  const pairs = new Set<{ client: net.Socket, upstream: net.Socket, lost: boolean }>()

  /** Forwards from → to, through the current faults; keeps the order of the chunks. */
  function forward (pair: { lost: boolean }, from: net.Socket, to: net.Socket): void {
    let chain = Promise.resolve()
    from.on('data', (chunk: Buffer) => {
      if (dropping) { pair.lost = true; return }
      if (delay === 0) { if (!to.destroyed) to.write(chunk); return }
      const ms = delay
      from.pause()
      chain = chain.then(() => new Promise<void>((resolve) => setTimeout(resolve, ms))).then(() => { if (!to.destroyed) to.write(chunk); from.resume() })
    })
    from.on('end', () => { void chain.then(() => to.end()) })
  }

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    accepted++
    const upstream = net.connect({ host, port: target.port })
    const pair = { client, upstream, lost: false }
    pairs.add(pair)
    const close = () => { pairs.delete(pair); client.destroy(); upstream.destroy() }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', close)
    upstream.on('close', close)
    upstream.once('connect', () => {
      forward(pair, client, upstream)
      forward(pair, upstream, client)
      client.resume()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as net.AddressInfo).port
  const cut = (which: (p: { lost: boolean }) => boolean = () => true): number => {
    let n = 0
    for (const p of [...pairs]) if (which(p)) { n++; p.client.resetAndDestroy(); p.upstream.resetAndDestroy(); pairs.delete(p) }
    return n
  }
  return {
    port,
    rewrite (url) {
      const u = new URL(url)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    latency (ms) { delay = Math.max(0, ms) },
    cut: () => cut(),
    async blackhole (ms) {
      dropping = true
      await new Promise((resolve) => setTimeout(resolve, ms))
      dropping = false
      cut((p) => p.lost)
    },
    stats: () => ({ accepted, open: pairs.size }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      cut()
    })
  }
}
