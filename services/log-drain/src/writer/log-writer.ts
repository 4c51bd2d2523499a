// The writer: a durable pull consumer (`consumers.logWriter`) on the ingest stream that
// stores batches exactly once. For each group of messages: parse, apply the plan's daily
// quota, COPY + record the batch ids in ONE transaction (LogStore.append), commit, THEN
// ack. A crash between commit and ack makes JetStream redeliver; the batch id is then
// already recorded and the batch is skipped. While PostgreSQL is down nothing is acked:
// batches wait in JetStream (file storage) and are retried with a growing delay, so no
// acknowledged line is lost. Live tail is published by ingestion (ingest/live-tail.ts);
// the writer only says when a tenant's daily quota is used up, so that ingestion stops
// tailing lines it drops.
import { brotliDecompressSync } from 'node:zlib'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { nanos } from '@nats-io/transport-node'
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamManager, type JsMsg } from '@nats-io/jetstream'
import { BadIngestBundle, consumers, decodeIngestBundle, encode, logIngestHeaders, RouterWindowsMessage, streams, subjects } from '@addonkit/contracts'
import type { AddonDefinition } from '@addonkit/config'
import type { KeyRing } from '@addonkit/secrets'
import { FramingError } from '@addonkit/logplex'
import { toWire, type RouterWindow } from '@addonkit/autoscale'
import { clearQuotaNotice, utcDay, type LogStore, type PreparedBatch } from '@addonkit/log-store'
import { postAddonLogEvent } from '../app-logs/addon-log-events.js'
import type { IngestLoad } from '../ingest/ingest-load.js'

export interface LogWriterOptions {
  store: LogStore
  addon: AddonDefinition
  keyRing: KeyRing
  /** Most lines written in one transaction. */
  maxLines?: number
  /** Called with the counters after every stored group and every failure (the writer thread reports them to its parent). */
  onStats?: (stats: LogWriterStats) => void
  /** Ingestion's load when the writer runs beside it; absent for a writer-only process. */
  load?: IngestLoad
  /** DRAIN_BACKLOG_MAX_BYTES: past half of it the writer no longer yields to ingestion. */
  backlogMaxBytes?: number
  /** Longest the writer waits for a busy ingestion before storing a group anyway. */
  maxYieldMs?: number
  /** Groups stored at once, each in its own transaction (DRAIN_WRITER_TRANSACTIONS). */
  transactions: number
}

export interface LogWriterStats { batches: number, duplicates: number, lines: number, dropped: number, failures: number, /** Time spent letting a busy ingestion go first. */ yieldedMs: number, /** Router lines stored that did not parse (the autoscaler ignores them). */ routerUnparsed: number }

export function emptyStats (): LogWriterStats {
  return { batches: 0, duplicates: 0, lines: 0, dropped: 0, failures: 0, yieldedMs: 0, routerUnparsed: 0 }
}

declare module 'fastify' {
  interface FastifyInstance {
    logWriter: {
      stats: LogWriterStats
      /** DRAIN_WRITER=thread: the running writer thread (tests stop it to check the restart). */
      thread?: () => import('node:worker_threads').Worker | undefined
      /** Whether the writer is running (a thread reports it once started). */
      ready: () => boolean
      /** Whether the writer's JetStream consumer is attached now (false while it retries). */
      consuming?: () => boolean
    }
  }
}

const ACK_WAIT_MS = 60_000
/**
 * Bytes (as stored in JetStream, mostly compressed) that may wait in `pending` before the
 * writer stops reading from the consumer. Reading stops pulling (the client sends its next
 * pull request only as the writer reads), so while the writer is busy or yields to
 * ingestion, nats-server is not delivering batches nobody is ready to store.
 */
const BUFFERED_BYTES = 4 * 1024 * 1024
/**
 * Messages per pull request. Pulls are limited by count, not by bytes: with byte-limited
 * pulls (4 MB), a pull whose bytes left were fewer than the next message's ended with "Message
 * Size Exceeds MaxBytes", and a client with nothing buffered then pulled again only after two
 * missed heartbeats; the client also carries a request's unused bytes after it completes
 * by count, so its later requests ask for only a few hundred KB. When messages grew (bundles
 * of small batches, then single 100 KB batches) a writer that had caught up stalled for
 * ~5 s: stored per 5 s interval of a paced run after bursts 5.5k, 147k, 164k, 161k, 120k,
 * 119k lines/s; with count-limited pulls 117.7k–120.8k in every interval. A message is
 * ~14 KB (a compressed 100 KB body, or a bundle of at most 16 KB), so 100 are ~1.4 MB; at
 * most ~100 MB if every one were a 1 MB batch that does not compress.
 */
const PULL_MESSAGES = 100

/**
 * Ingestion first: while ingestion is busy (IngestLoad.busy) and the backlog is under half
 * of its limit, the writer waits before its next group, 20 ms at a time and at most
 * MAX_YIELD_MS: a burst is acknowledged at full speed (Logplex drops what it cannot
 * deliver) and stored after it. Past half of the backlog limit the writer stores at full
 * speed whatever ingestion does, so that a long overload ends in the writer catching up,
 * not in 503s. The cap keeps batches already received well inside ack_wait.
 */
const MAX_YIELD_MS = 5000
/** How often the backlog (the ingest stream's bytes) is read while yielding. */
const BACKLOG_CHECK_MS = 1000

class UnreadableBatch extends Error {}

/** The largest epoch milliseconds a Date holds. */
const MAX_DATE_MS = 8.64e15

function decompress (data: Buffer): Buffer {
  try { return brotliDecompressSync(data) } catch (err) { throw new UnreadableBatch(`cannot decompress the batch: ${(err as Error).message}`) }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function logWriter (app: FastifyInstance, opts: LogWriterOptions) {
  // About 20 drain batches of 100 KB per transaction: large enough for COPY to pay off,
  // small enough that parsing them does not hold the event loop (and ingestion) for long.
  const maxLines = opts.maxLines ?? 10_000
  const stats = emptyStats()
  let started = false
  let stopped = false
  let consuming = false
  app.decorate('logWriter', { stats, ready: () => started && !stopped, consuming: () => consuming })
  let messages: ConsumerMessages | undefined
  const pending: JsMsg[] = []
  let pendingBytes = 0
  let drained: (() => void) | undefined
  let wake: (() => void) | undefined
  let running: Promise<void> | undefined

  async function ensureConsumer (): Promise<void> {
    const jsm = await jetstreamManager(app.nats, { timeout: 5000 })
    await jsm.consumers.add(streams.logIngest, {
      durable_name: consumers.logWriter,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subjects.logIngestAll,
      ack_wait: nanos(ACK_WAIT_MS),
      // Never give up on a batch: a message is only ever settled by a commit (ack) or
      // by being unreadable (term). term() carries no reason: nats-server 2.9 ignores a
      // `+TERM <reason>` and would redeliver the message every ack_wait, forever.
      max_deliver: -1,
      max_ack_pending: 20_000
    })
  }

  /** Reads messages into `pending`; restarts itself after any failure until stopped. */
  async function receive (): Promise<void> {
    while (!stopped) {
      try {
        await ensureConsumer()
        const consumer = await jetstream(app.nats).consumers.get(streams.logIngest, consumers.logWriter)
        // Pulls of PULL_MESSAGES that expire after 5 s: while the writer stops reading (4 MB
        // wait to be stored), nats-server stops delivering; a pull that expired meanwhile is
        // renewed within seconds (with the default 30 s expiry, reading stalled for 30 s).
        messages = await consumer.consume({ max_messages: PULL_MESSAGES, expires: 5000 })
        consuming = true
        for await (const m of messages) {
          pending.push(m)
          pendingBytes += m.data.byteLength
          wake?.()
          if (pendingBytes >= BUFFERED_BYTES) await new Promise<void>((resolve) => { drained = resolve })
        }
      } catch (err) {
        if (!stopped) app.log.warn({ err }, 'log writer: consumer unavailable; retrying')
      }
      // Detached, whether the messages ended or failed, until the next consume() succeeds.
      consuming = false
      if (!stopped) await sleep(1000)
    }
  }

  async function notifyQuota (tenantId: string, instanceUuid: string, limit: number | null) {
    const message = `Addonkit: this app reached its plan's daily limit of ${limit ?? '?'} log lines; further lines are dropped until 00:00 UTC. Upgrade the plan to keep more.`
    try {
      await postAddonLogEvent({ db: app.db, keyRing: opts.keyRing, addon: opts.addon }, instanceUuid, message, { procId: 'addonkit' })
    } catch (err) {
      app.log.warn({ err, tenantId }, 'could not write the quota notice into the app log; will retry on the next dropped batch')
      // Let the next over-quota batch try again (the notice is at most once per day when it works).
      await clearQuotaNotice(app.db.pool, tenantId).catch(() => {})
    }
  }

  interface Prepared { batches: PreparedBatch[], owners: JsMsg[], instances: Map<string, { uuid: string, limit: number | null }> }

  /** One batch as a message carries it: in its headers, or as an entry of a bundle. */
  interface Carried { tenantId: string, batchId: string, receivedAt: number, encoding: string, data: Buffer }

  /** The batches a message carries; a bundle is unpacked (its entries are views into the message). */
  function batchesOf (m: JsMsg): Carried[] {
    const h = m.headers
    const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength)
    if (h?.has(logIngestHeaders.batches)) {
      const entries = decodeIngestBundle(data)
      // A payload cut between two entries still decodes: the count in the header tells.
      if (String(entries.length) !== h.get(logIngestHeaders.batches)) throw new BadIngestBundle(`${entries.length} batches, the header says ${h.get(logIngestHeaders.batches)}`)
      return entries.map((e) => ({ tenantId: e.tenant, batchId: e.batchId, receivedAt: e.receivedAt, encoding: e.encoding ?? '', data: e.data }))
    }
    return [{ tenantId: h?.get(logIngestHeaders.tenant) ?? '', batchId: h?.get(logIngestHeaders.batchId) ?? '', receivedAt: Number(h?.get(logIngestHeaders.receivedAt) ?? NaN), encoding: h?.get(logIngestHeaders.encoding) ?? '', data }]
  }

  /**
   * Parses a group and looks up its tenants (no transaction yet). A message none of whose
   * batches is left to store is settled here: term() when it cannot be read (it never will
   * be), ack() when its tenants no longer exist.
   */
  async function prepare (msgs: JsMsg[]): Promise<Prepared> {
    const batches: PreparedBatch[] = []
    const owners: JsMsg[] = []
    const instances = new Map<string, { uuid: string, limit: number | null }>()
    let k = 0
    for (const m of msgs) {
      let carried: Carried[]
      try { carried = batchesOf(m) } catch (err) {
        if (!(err instanceof BadIngestBundle)) throw err
        app.log.error({ err, seq: m.seq }, 'log writer: unreadable bundle; discarded')
        m.term()
        continue
      }
      let kept = 0
      let unreadable = 0
      for (const c of carried) {
        // Back to the event loop between batches: parsing a whole group at once held this
        // thread for tens of milliseconds, during which the COPY of the previous group could
        // not send its next chunk and PostgreSQL waited.
        if (k++ > 0) await new Promise((resolve) => setImmediate(resolve))
        const { tenantId, batchId, receivedAt } = c
        // A receipt time outside what a Date holds would throw from utcDay() on every delivery.
        if (!tenantId || !batchId || !Number.isSafeInteger(receivedAt) || receivedAt < 0 || receivedAt > MAX_DATE_MS) { app.log.error({ seq: m.seq }, 'log writer: batch without its headers; discarded'); unreadable++; continue }
        const tenant = await app.tenants.byId(tenantId)
        if (!tenant) { app.log.warn({ tenantId }, 'log writer: batch of a tenant that no longer exists; discarded'); continue }
        const limits = tenant.limits
        let prepared: PreparedBatch
        try {
          if (c.encoding !== '' && c.encoding !== 'br') throw new UnreadableBatch(`unknown encoding ${c.encoding}`)
          const body = c.encoding === 'br' ? decompress(c.data) : c.data
          prepared = await opts.store.prepare({ tenantId, batchId, day: utcDay(receivedAt), retentionDays: limits.retentionDays, linesPerDay: limits.linesPerDay, body, receivedAt })
        } catch (err) {
          if (!(err instanceof FramingError) && !(err instanceof UnreadableBatch)) throw err
          app.log.error({ err, tenantId }, 'log writer: unreadable batch; discarded')
          unreadable++
          continue
        }
        instances.set(tenantId, { uuid: tenant.instanceUuid, limit: limits.linesPerDay })
        batches.push(prepared)
        owners.push(m)
        kept++
      }
      // The rest of a bundle is stored; its message is acked after that commit.
      if (kept === 0) { if (unreadable > 0) m.term(); else m.ack() }
    }
    return { batches, owners, instances }
  }

  /** Stores a prepared group in one transaction, then acks it and tells of used-up quotas. */
  async function store ({ batches, owners, instances }: Prepared): Promise<void> {
    if (batches.length === 0) return
    const outcomes = await opts.store.append(batches)
    // Committed: from here on a crash only causes a redelivery that the store skips. A
    // bundle owns several batches, all in this group: it is acked once.
    for (const m of new Set(owners)) m.ack()
    const full = new Map<string, string>()
    const windows = new Map<string, RouterWindow[]>()
    outcomes.forEach((o, i) => {
      const b = batches[i]!.batch
      if (o.duplicate) { stats.duplicates++; return }
      if (o.windows.length) { const list = windows.get(b.tenantId); if (list) list.push(...o.windows); else windows.set(b.tenantId, [...o.windows]) }
      stats.batches++
      stats.lines += o.stored
      stats.dropped += o.dropped
      stats.routerUnparsed += o.routerUnparsed
      if (o.dropped > 0) full.set(b.tenantId, b.day)
      if (o.quotaReached) { const inst = instances.get(b.tenantId)!; void notifyQuota(b.tenantId, inst.uuid, inst.limit) }
    })
    // Core NATS: a lost message only means a few more over-quota lines in a live tail.
    for (const [tenantId, day] of full) { try { app.nats.publish(subjects.logQuotaFull(tenantId), day) } catch {} }
    // Core NATS: the windows are stored; the message only wakes the autoscaler sooner.
    for (const [tenantId, list] of windows) {
      try { app.nats.publish(subjects.autoscaleWindows, encode(RouterWindowsMessage, { tenantId, windows: list.slice(0, 1000).map(toWire) })) } catch {}
    }
  }

  let backlog = { checkedAt: 0, pastHalf: false }
  let backlogJsm: Promise<JetStreamManager> | undefined
  /** Whether the ingest stream holds more than half of DRAIN_BACKLOG_MAX_BYTES (read at most once a second). */
  async function backlogPastHalf (): Promise<boolean> {
    if (!opts.backlogMaxBytes) return false
    if (Date.now() - backlog.checkedAt < BACKLOG_CHECK_MS) return backlog.pastHalf
    let pastHalf = false
    try {
      // Made once: jetstreamManager() asks for the account info each time it is called.
      backlogJsm ??= jetstreamManager(app.nats, { timeout: 2000, checkAPI: false })
      pastHalf = (await (await backlogJsm).streams.info(streams.logIngest)).state.bytes > opts.backlogMaxBytes / 2
    } catch {} // unknown: keep yielding, within MAX_YIELD_MS
    backlog = { checkedAt: Date.now(), pastHalf }
    return pastHalf
  }

  async function yieldToIngestion (load: IngestLoad): Promise<void> {
    let t = Date.now()
    const until = t + (opts.maxYieldMs ?? MAX_YIELD_MS)
    while (!stopped && Date.now() < until && load.busy() && !(await backlogPastHalf())) {
      await sleep(20)
      stats.yieldedMs += Date.now() - t
      t = Date.now()
    }
  }

  // Groups overlap: while up to opts.transactions groups are being stored (COPY, commit), the next
  // one is decompressed and encoded here. PostgreSQL's COPY was the limit with one
  // transaction at a time (a backend ~60 % busy, ~25 % of the two cores idle; see README,
  // "Measured"). Each group is acked after its own commit; two transactions for the same
  // tenant keep its quota exact (pg-log-store.ts, appendIn).
  async function loop (): Promise<void> {
    let backoff = 250
    const inflight = new Set<Promise<void>>()
    const failed = async (group: JsMsg[], err: unknown) => {
      stats.failures++
      opts.onStats?.(stats)
      app.log.warn({ err, messages: group.length }, 'log writer: storing failed; the batches stay in JetStream and are retried')
      // Not acked: ask for redelivery after a delay that grows while the database is down.
      for (const m of group) { try { m.nak(backoff) } catch {} }
      await sleep(backoff)
      backoff = Math.min(backoff * 2, 5000)
    }
    while (!stopped) {
      if (pending.length === 0) {
        if (inflight.size > 0) { await Promise.all(inflight); continue }
        await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 500) })
        wake = undefined
        continue
      }
      if (opts.load) await yieldToIngestion(opts.load)
      // Take messages until about maxLines lines (estimated from the frame counts).
      let lines = 0
      let n = 0
      while (n < pending.length && (n === 0 || lines < maxLines)) { lines += Number(pending[n]!.headers?.get(logIngestHeaders.count) ?? 1); n++ }
      const group = pending.splice(0, n)
      for (const m of group) pendingBytes -= m.data.byteLength
      if (drained && pendingBytes < BUFFERED_BYTES / 2) { drained(); drained = undefined }
      // Parsing a group is synchronous: let other work (acks, the COPY stream) run first.
      await new Promise((resolve) => setImmediate(resolve))
      let prepared: Prepared
      try {
        prepared = await prepare(group)
      } catch (err) {
        await Promise.all(inflight)
        await failed(group, err)
        continue
      }
      while (inflight.size >= opts.transactions) await Promise.race(inflight)
      const stored: Promise<void> = store(prepared)
        .then(() => { backoff = 250; opts.onStats?.(stats) }, (err) => failed(group, err))
        .finally(() => { inflight.delete(stored) })
      inflight.add(stored)
    }
    await Promise.all(inflight)
  }

  app.addHook('onReady', async () => {
    void receive()
    running = loop()
    started = true
  })
  app.addHook('onClose', async () => {
    stopped = true
    wake?.()
    drained?.()
    try { await messages?.close() } catch {}
    // Bounded, and the timer cleared: a pending timer would keep a writer thread alive.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([running, new Promise((resolve) => { timer = setTimeout(resolve, 5000) })])
    clearTimeout(timer)
  })
}

export default fp(logWriter, { name: 'drain-log-writer', dependencies: ['addonkit-db', 'addonkit-nats', 'drain-tenants'] })
