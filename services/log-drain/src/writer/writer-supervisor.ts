// DRAIN_WRITER=thread: runs the log writer in a worker thread of this process. Ingestion
// (HTTP, frame validation, JetStream publish) and the writer (parsing, binary COPY
// encoding, PostgreSQL) then use both cores instead of taking turns on one event loop,
// and a group being parsed no longer delays the 204 of a drain POST. The thread has its
// own database pool and NATS connection; it reports its counters to `app.logWriter.stats`.
// If it dies it is started again (after 1 s, growing to 30 s): batches wait in JetStream.
import { Worker } from 'node:worker_threads'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { DrainConfig } from '../config.js'
import { emptyStats, type LogWriterStats } from './log-writer.js'
import type { WriterThreadData, WriterThreadMessage } from './writer-thread.js'
import type { IngestLoad } from '../ingest/ingest-load.js'

export interface WriterSupervisorOptions { config: DrainConfig, maxLines?: number, load?: IngestLoad }

/** The thread's entry: its TypeScript source when this file runs from source (tests, dev), else dist. */
const FROM_SOURCE = import.meta.url.endsWith('.ts')
const ENTRY = new URL(FROM_SOURCE ? './writer-thread.ts' : './writer-thread.js', import.meta.url)

/**
 * From source, a small bootstrap registers tsx (a devDependency) in the thread and then
 * imports the TypeScript entry: loader hooks given with `--import` are not active yet for
 * a worker's own entry on Node 20, and inheriting the parent's loader (tap's type-checking
 * one) takes ~5 s per thread against ~1 s.
 */
function newWorker (data: WriterThreadData): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, { workerData: data, name: 'log-writer' })
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ENTRY.href)}) })`
  return new Worker(boot, { eval: true, workerData: data, name: 'log-writer', execArgv: ['--conditions=addonkit-source'] })
}

const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 8_000

async function writerSupervisor (app: FastifyInstance, opts: WriterSupervisorOptions) {
  const stats = emptyStats()
  let worker: Worker | undefined
  let threadReady = false
  app.decorate('logWriter', { stats, thread: () => worker, ready: () => threadReady })
  let stopping = false
  let restartDelay = 1000
  let restartTimer: NodeJS.Timeout | undefined
  /** Counters of the threads that ended, so that stats keep counting across restarts. */
  const base: LogWriterStats = { ...stats }

  /**
   * Starts the thread. The service does not wait for it: ingestion is ready without the
   * writer (batches wait in JetStream), and a thread loading slowly on a busy machine must
   * not fail the start. A thread that does not report ready within 60 s is replaced.
   */
  function start (): void {
    const data: WriterThreadData = { config: opts.config, maxLines: opts.maxLines, load: opts.load?.shared }
    const w = newWorker(data)
    worker = w
    let last = emptyStats()
    let ready = false
    const timer = setTimeout(() => {
      if (ready) return
      app.log.error('the writer thread did not start within 60 s; replacing it')
      void w.terminate()
    }, START_TIMEOUT_MS)
    w.on('message', (m: WriterThreadMessage) => {
      if (m.type === 'ready') { ready = true; threadReady = true; restartDelay = 1000; clearTimeout(timer) }
      if (m.type === 'stats') {
        last = m.stats
        for (const k of Object.keys(stats) as Array<keyof LogWriterStats>) stats[k] = base[k] + last[k]
      }
    })
    w.on('error', (err) => { app.log.error({ err }, 'writer thread failed') })
    w.on('exit', (code) => {
      for (const k of Object.keys(base) as Array<keyof LogWriterStats>) base[k] += last[k]
      clearTimeout(timer)
      if (worker === w) { worker = undefined; threadReady = false }
      if (stopping) return
      app.log.error({ code, started: ready, restartInMs: restartDelay }, 'writer thread exited; starting it again (batches wait in JetStream)')
      restartTimer = setTimeout(start, restartDelay)
      restartDelay = Math.min(restartDelay * 2, 30_000)
    })
  }

  app.addHook('onReady', async () => { start() })
  app.addHook('onClose', async () => {
    stopping = true
    clearTimeout(restartTimer)
    const w = worker
    if (!w) return
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()))
    w.postMessage({ type: 'stop' })
    const timer = setTimeout(() => { void w.terminate() }, STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  })
}

export default fp(writerSupervisor, { name: 'drain-log-writer' })
