// Entry point of the writer thread (started by writer-supervisor.ts). It receives the
// already validated configuration, runs the writer app until the parent asks it to stop,
// and reports the writer's counters after every group.
import { parentPort, workerData } from 'node:worker_threads'
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import type { DrainConfig } from '../config.js'
import { buildWriterApp } from './writer-app.js'
import { IngestLoad } from '../ingest/ingest-load.js'
import { isLoopbackDatabase, niceOwnBackend } from './local-backend-priority.js'

/** `load` is IngestLoad.shared (structured cloning keeps the shared memory, not the class). */
export interface WriterThreadData { config: DrainConfig, maxLines?: number, load?: Int32Array }
export type WriterThreadMessage =
  | { type: 'ready' }
  | { type: 'stats', stats: import('./log-writer.js').LogWriterStats }
  | { type: 'closed' }

const port = parentPort
if (!port) throw new Error('writer-thread.ts runs only as a worker thread')
const data = workerData as WriterThreadData
// Structured cloning turns the key ring's Buffers into plain Uint8Arrays.
const keys = new Map([...data.config.encryptionKeys.keys].map(([id, k]) => [id, Buffer.from(k)] as const))
const config: DrainConfig = { ...data.config, encryptionKeys: { ...data.config.encryptionKeys, keys } }

// Lower this thread's priority (DRAIN_WRITER_NICE): on Linux setpriority() takes a thread
// id, found through /proc/thread-self. Elsewhere the thread keeps the process's priority.
let niced = false
if (config.drainWriterNice > 0) {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(tid) && tid > 0) { setPriority(tid, config.drainWriterNice); niced = true }
  } catch {}
}

const send = (m: WriterThreadMessage) => port.postMessage(m)
const app = await buildWriterApp(config, { maxLines: data.maxLines, load: data.load ? new IngestLoad(data.load) : undefined, onStats: (stats) => send({ type: 'stats', stats }) })
// The same for the PostgreSQL backends of its COPYs, when PostgreSQL runs on this machine
// (local-backend-priority.ts). Connections are opened lazily, so each is handled as it opens;
// a backend that cannot be verified or reniced keeps its priority.
if (niced && isLoopbackDatabase(config.databaseUrl)) {
  let warned = false
  app.db.pool.on('connect', (client) => {
    try {
      const pid = niceOwnBackend(client, config.drainWriterNice)
      app.log.debug({ pid }, pid === undefined ? 'log writer: its PostgreSQL backend is not a verifiable local process; priority unchanged' : 'log writer: PostgreSQL backend reniced')
    } catch (err) {
      if (!warned) app.log.warn({ err }, 'log writer: cannot lower the priority of its PostgreSQL backend; it keeps the default')
      warned = true
    }
  })
}
port.on('message', (m: { type?: string }) => {
  if (m?.type !== 'stop') return
  app.close().catch((err) => app.log.error({ err }, 'writer thread: error while stopping')).finally(() => {
    send({ type: 'closed' })
    // Ends this thread only; whatever handle a library left open cannot keep it alive.
    process.exit(0)
  })
})
await app.ready()
app.log.info({ nice: niced ? config.drainWriterNice : null }, 'log writer thread started')
send({ type: 'ready' })
