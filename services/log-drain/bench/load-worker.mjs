// The bench's load generator, in its own thread (plain JavaScript: Node 20 cannot start a
// worker thread from a .ts file through the tsx loader) so that it does not share the server's
// event loop: `connections` keep-alive connections to 127.0.0.1, each sending one POST at
// a time (no pipelining) for `durationMs`, with a fresh Logplex-Frame-Id per request.
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/** @type {{ url: string, path: string, headers: Record<string, string>, bodies: Uint8Array[], linesPerBody: number[], durationMs: number, connections: number, requestsPerSecond?: number }} */
const job = workerData
const u = new URL(job.url)
const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections })
const latencies = []
/** When each request started, in ms from the start of the load (per-interval percentiles). */
const startedAt = []
const statuses = {}
let lines = 0
const deadline = Date.now() + job.durationMs

function post (body) {
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, path: job.path, method: 'POST', agent, headers: { ...job.headers, 'content-length': body.byteLength, 'logplex-frame-id': randomBytes(16).toString('hex').toUpperCase() } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(0))
    req.end(body)
  })
}

// With requestsPerSecond, requests are paced on a shared schedule (an offered load, as
// Logplex sends): a connection waits for the next slot; one that falls behind sends at once.
const interval = job.requestsPerSecond ? 1000 / job.requestsPerSecond : 0
let nextSlot = Date.now()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function connection (k) {
  let i = k
  while (Date.now() < deadline) {
    if (interval > 0) {
      const slot = nextSlot
      nextSlot += interval
      const wait = slot - Date.now()
      if (wait > 0) await sleep(wait)
      if (Date.now() >= deadline) break
    }
    const b = i++ % job.bodies.length
    const t0 = process.hrtime.bigint()
    const status = await post(job.bodies[b])
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    startedAt.push(Number(t0 - loadStart) / 1e6)
    statuses[status] = (statuses[status] ?? 0) + 1
    if (status >= 200 && status < 300) lines += job.linesPerBody[b]
  }
}

const lag = monitorEventLoopDelay({ resolution: 5 })
lag.enable()
const loadStart = process.hrtime.bigint()
await Promise.all(Array.from({ length: job.connections }, (_, k) => connection(k)))
agent.destroy()
lag.disable()
parentPort.postMessage({ elapsedMs: Number(process.hrtime.bigint() - loadStart) / 1e6, lines, statuses, latencies, startedAt, clientLagP99: lag.percentile(99) / 1e6 })
