// The chaos suite's TCP fault proxy: bytes pass unchanged; latency delays them in order;
// cut resets open connections and accepts new ones; a black hole drops bytes and then cuts
// the connections that lost some.
import t from 'tap'
import net from 'node:net'
import { once } from 'node:events'
import { startFaultProxy } from '../src/chaos/fault-proxy.js'

/** An echo server; its port. */
async function echo (t: { teardown (fn: () => unknown): void }): Promise<number> {
  const server = net.createServer((s) => { s.on('error', () => {}); s.pipe(s) })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as net.AddressInfo).port
}

/** A connection through the proxy that collects what it receives. */
async function connect (port: number) {
  const s = net.connect({ host: '127.0.0.1', port })
  await once(s, 'connect')
  let received = ''
  let closed = false
  s.on('data', (b) => { received += b.toString() })
  s.on('error', () => {})
  s.on('close', () => { closed = true })
  return { s, received: () => received, closed: () => closed }
}

const until = async (fn: () => boolean, ms = 3000) => {
  const end = Date.now() + ms
  while (!fn() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10))
  return fn()
}

t.test('forwards, delays in order, cuts, black-holes', async (t) => {
  const proxy = await startFaultProxy({ port: await echo(t) })
  t.teardown(() => proxy.close())
  t.equal(proxy.rewrite('postgresql://u:p@db.example:5432/x?sslmode=disable'), `postgresql://u:p@127.0.0.1:${proxy.port}/x?sslmode=disable`, 'rewrite keeps everything but host and port')

  const a = await connect(proxy.port)
  a.s.write('hello')
  t.ok(await until(() => a.received() === 'hello'), 'bytes pass unchanged')

  proxy.latency(150)
  const t0 = Date.now()
  a.s.write('1'); a.s.write('2'); a.s.write('3')
  t.ok(await until(() => a.received() === 'hello123'), 'delayed bytes arrive in order')
  t.ok(Date.now() - t0 >= 250, `latency applied each way (${Date.now() - t0} ms)`)
  proxy.latency(0)

  t.equal(proxy.cut(), 1, 'one connection cut')
  t.ok(await until(() => a.closed()), 'the client sees its connection end')
  const b = await connect(proxy.port)
  b.s.write('again')
  t.ok(await until(() => b.received() === 'again'), 'new connections are accepted after a cut')

  const hole = proxy.blackhole(300)
  b.s.write('lost')
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.equal(b.received(), 'again', 'nothing passes during the black hole')
  await hole
  t.ok(await until(() => b.closed()), 'a connection that lost bytes is cut afterwards')
  const c = await connect(proxy.port)
  c.s.write('ok')
  t.ok(await until(() => c.received() === 'ok'), 'the proxy works after the black hole')
  t.same(proxy.stats(), { accepted: 3, open: 1 }, 'stats count the connections')
  c.s.destroy()
})
