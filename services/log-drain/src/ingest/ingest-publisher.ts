// Makes an accepted batch durable: publishes it to the JetStream work queue
// `streams.logIngest` and resolves only on the PubAck, so a 2xx to Logplex means the batch
// is on disk (issue 4). msgID = <tenant>:<batch id> lets JetStream drop a Logplex retry
// inside its duplicate window; the log store's de-duplication of batch ids catches later ones.
// Failures and saturation throw 503 errors (Logplex retries them, protocol §11.1). A confirmed
// batch goes to the live tail from here (live-tail.ts), not from the writer.
//
// Group publish (DRAIN_GROUP_PUBLISH, on by default): the batches that become ready in the
// same turn of the event loop (under load, several requests' bodies complete in one poll)
// go to JetStream as one bundle message (contracts: encodeIngestBundle) with one PubAck,
// instead of one message and one PubAck each; a batch that is alone in its turn, as at a
// light load, is published on its own, exactly as before. A bundle carries no msgID (it holds several batches), so a Logplex
// retry that lands in one is not dropped by JetStream but by the log store's batch-id de-duplication
// (exactly once either way), and its lines may be tailed twice (the tail's contract: a
// line may appear twice, never zero times).
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { headers as natsHeaders, nanos } from '@nats-io/transport-node'
import { jetstream, jetstreamManager, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamClient } from '@nats-io/jetstream'
import { INGEST_BUNDLE_ENTRY_OVERHEAD, encodeIngestBundle, logIngestHeaders, streams, subjects } from '@addonkit/contracts'
import { Saturated, Unavailable } from '../errors.js'
import { splitBody } from './split-body.js'
import { createLiveTail } from './live-tail.js'
import { serverFacts } from '@addonkit/service-kit'

export type BatchOrigin = 'drain' | 'api'

export interface IngestBatch {
  tenantId: string
  /** De-duplication key within the tenant (the Logplex-Frame-Id). */
  batchId: string
  body: Buffer
  count: number
  origin: BatchOrigin
  receivedAt: number
}

export interface IngestPublisher {
  publish (batch: IngestBatch): Promise<void>
  readonly inflight: number
  /** JetStream messages published, and how many batches went in bundles of several. */
  readonly stats: { messages: number, bundles: number, bundledBatches: number }
}

declare module 'fastify' {
  interface FastifyInstance {
    ingest: IngestPublisher
  }
}

/** Logplex retries within seconds to minutes; JetStream remembers msgIDs this long. */
export const DUPLICATE_WINDOW_MS = 2 * 60_000
/** Room left in a NATS message for the headers. */
const HEADER_ROOM = 8 * 1024
/**
 * Most bytes of a bundle; a batch larger than this goes alone. Bundles stay the size of the
 * messages the writer already read well (a 100 KB body compresses to ~14 KB). Larger ones
 * (up to 64 KB, or up to a NATS message) made the writer stall for ~5 s at a time while it
 * still pulled by bytes (log-writer.ts, PULL_MESSAGES: stored per 5 s interval of a paced run
 * after bursts 7.4k, 158k, 174k, 138k, 73k, 63k lines/s, against 114–122k without bundles);
 * for 100 KB bodies they had gained 4 % only, against 16 % for 10-line bodies.
 */
export const BUNDLE_MAX_BYTES = 16 * 1024
/** Bodies from this size on are compressed before they go to JetStream. */
export const COMPRESS_FROM_BYTES = 4096
const BROTLI_FAST = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 0, [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT } }

/**
 * A body as it is stored in JetStream: Brotli at quality 0 from 4 KB on. Measured here on the
 * benchmark's bodies (one of 94 KB): ~0.1 ms to compress (quality 1: 0.17–0.19 ms), ~0.1 ms
 * to decompress, 6.5× smaller (quality 1: 9.2×). Quality 0 acknowledged more lines/s in 6
 * of 8 alternated burst pairs (README, "Measured"). Every byte of a batch crosses
 * nats-server twice (stored, then delivered to the writer) and is written to its disk: with
 * raw 100 KB bodies nats-server was the bottleneck of this 2-core machine (16 publishers
 * alone: ~2,000–3,500 msg/s, ~700 with the writer consuming).
 */
export function encodeIngestBody (body: Buffer): { data: Buffer, encoding: 'br' | null } {
  if (body.length < COMPRESS_FROM_BYTES) return { data: body, encoding: null }
  return { data: brotliCompressSync(body, BROTLI_FAST), encoding: 'br' }
}

/** Creates or updates the ingest stream (work queue, file storage, bounded). */
export async function ensureIngestStream (app: FastifyInstance, maxBytes: number): Promise<void> {
  const jsm = await jetstreamManager(app.nats, { timeout: 5000 })
  const config = {
    name: streams.logIngest,
    subjects: [subjects.logIngestAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    // A full stream must refuse new batches (→ 503, Logplex retries), never drop old ones.
    discard: DiscardPolicy.New,
    // The backlog the writer may fall behind by (compressed bytes; up to ~6× as many raw on
    // the benchmark's bodies): past it, publishes fail and the drain answers 503, so Logplex
    // retries instead of our disk filling.
    max_bytes: maxBytes,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    // Kept on 3 servers when the cluster has them: an acknowledged batch then survives the
    // loss of any one machine (service-kit nats-durability.ts says what holds otherwise).
    num_replicas: serverFacts(app.nats.info, false).clusterSize >= 3 ? 3 : 1
  }
  try {
    await jsm.streams.info(streams.logIngest)
    await jsm.streams.update(streams.logIngest, config)
  } catch (err) {
    if (!/not found/i.test((err as Error).message)) throw err
    await jsm.streams.add(config)
  }
}

export interface IngestPublisherOptions {
  maxInflight: number
  timeoutMs: number
  backlogMaxBytes: number
  /** DRAIN_GROUP_PUBLISH: bundle the batches ready in one turn (off: every batch alone). */
  groupPublish: boolean
}

async function ingestPublisher (app: FastifyInstance, opts: IngestPublisherOptions) {
  const js: JetStreamClient = jetstream(app.nats, { timeout: opts.timeoutMs })
  let inflight = 0
  let streamReady = false
  let retry: NodeJS.Timeout | undefined

  // The stream is created at start; while JetStream is unreachable we keep trying in the
  // background, and publishing answers 503 meanwhile.
  const ensure = async () => {
    try { await ensureIngestStream(app, opts.backlogMaxBytes); streamReady = true } catch (err) {
      app.log.warn({ err }, 'cannot create the ingest stream yet; retrying')
      retry = setTimeout(() => { void ensure() }, 1000)
    }
  }
  await ensure()
  app.addHook('onClose', async () => { clearTimeout(retry) })

  // While the client is disconnected a publish could only wait for its timeout: answer
  // 503 at once instead, so Logplex's retries are not spent waiting.
  let connected = true
  ;(async () => {
    for await (const s of app.nats.status()) {
      if (s.type === 'disconnect') connected = false
      else if (s.type === 'reconnect') connected = true
    }
  })().catch(() => {})
  app.addReadinessCheck('jetstream', async () => { if (!streamReady) throw new Error('ingest stream not created yet') })
  const liveTail = createLiveTail(app.nats, (err, tenantId) => app.log.warn({ err, tenantId }, 'live tail: a confirmed batch could not be parsed for the tail'))
  app.addHook('onClose', async () => { liveTail.close() })

  const stats = { messages: 0, bundles: 0, bundledBatches: 0 }
  /** A part waiting for this turn's publish; settled with whether JetStream already had it. */
  interface Part { batch: IngestBatch, body: Buffer, count: number, batchId: string, resolve: (duplicate: boolean) => void, reject: (err: unknown) => void }
  let turn: Part[] = []

  /** A part with its body as it goes to JetStream. */
  interface Encoded { part: Part, data: Buffer, encoding: 'br' | null }

  /**
   * Publishes one part at the end of this turn, with the batches ready in the same turn;
   * resolves to whether JetStream already had it (a retry in its duplicate window). The
   * turn's publishes are built together even when they are not bundled: publishing each one
   * at once instead, in the request's own turn, acknowledged 1.02 and 1.06 M lines/s of
   * 100 KB bodies against 1.35 and 1.32 M (two alternated burst pairs, writer off, a one-off
   * variant; nats-server at 25–26 % of a core against 17 %).
   */
  function publishPart (batch: IngestBatch, body: Buffer, count: number, batchId: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (turn.push({ batch, body, count, batchId, resolve, reject }) === 1) setImmediate(publishTurn)
    })
  }

  /** The part with its body encoded; undefined, and the part rejected, if encoding threw. */
  function encode (part: Part): Encoded | undefined {
    try { return { part, ...encodeIngestBody(part.body) } } catch (err) { part.reject(err); return undefined }
  }

  /** Publishes this turn's parts: bundles of up to BUNDLE_MAX_BYTES (DRAIN_GROUP_PUBLISH), a part alone as itself. */
  function publishTurn (): void {
    const parts = turn
    turn = []
    let group: Encoded[] = []
    let size = 0
    for (const part of parts) {
      const encoded = encode(part)
      if (!encoded) continue
      const need = encoded.data.length + INGEST_BUNDLE_ENTRY_OVERHEAD
      if (group.length > 0 && (size + need > BUNDLE_MAX_BYTES || !opts.groupPublish)) { sendGroup(group); group = []; size = 0 }
      group.push(encoded)
      size += need
    }
    if (group.length > 0) sendGroup(group)
  }

  /** One message for the group; every part of it is settled by its PubAck, or by its failure. */
  function sendGroup (group: Encoded[]): void {
    publishMessage(group).then((ack) => { for (const g of group) g.part.resolve(ack.duplicate) }, (err) => { for (const g of group) g.part.reject(err) })
  }

  /** Async, so that anything thrown while building the message also settles the group's parts. */
  async function publishMessage (group: Encoded[]): Promise<{ duplicate: boolean }> {
    stats.messages++
    const h = natsHeaders()
    if (group.length === 1) {
      const { part: { batch, count, batchId }, data, encoding } = group[0]!
      h.set(logIngestHeaders.tenant, batch.tenantId)
      h.set(logIngestHeaders.batchId, batchId)
      h.set(logIngestHeaders.count, String(count))
      h.set(logIngestHeaders.receivedAt, String(batch.receivedAt))
      h.set(logIngestHeaders.origin, batch.origin)
      if (encoding) h.set(logIngestHeaders.encoding, encoding)
      return js.publish(subjects.logIngest(batch.tenantId), data, { msgID: `${batch.tenantId}:${batchId}`, headers: h, timeout: opts.timeoutMs })
    }
    stats.bundles++
    stats.bundledBatches += group.length
    h.set(logIngestHeaders.batches, String(group.length))
    h.set(logIngestHeaders.count, String(group.reduce((n, g) => n + g.part.count, 0)))
    const payload = encodeIngestBundle(group.map(({ part: { batch, count, batchId }, data, encoding }) => ({ tenant: batch.tenantId, batchId, count, receivedAt: batch.receivedAt, origin: batch.origin, encoding, data })))
    return js.publish(subjects.logIngestBundle, payload, { headers: h, timeout: opts.timeoutMs })
  }

  const publisher: IngestPublisher = {
    get inflight () { return inflight },
    stats,
    async publish (batch) {
      if (inflight >= opts.maxInflight) throw new Saturated()
      if (!connected || app.nats.isClosed() || !streamReady) throw new Unavailable('The log pipeline (JetStream) is unavailable; retry.')
      inflight++
      try {
        const max = (app.nats.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM
        const parts = splitBody(batch.body, batch.count, max)
        const duplicate = parts.length === 1
          ? await publishPart(batch, batch.body, batch.count, batch.batchId)
          : (await Promise.all(parts.map((p, i) => publishPart(batch, p.body, p.count, `${batch.batchId}#${i + 1}/${parts.length}`)))).every(Boolean)
        if (!duplicate) liveTail.offer(batch.tenantId, batch.body, batch.receivedAt)
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 503) throw err
        throw new Unavailable(`The log pipeline (JetStream) did not confirm the batch; retry: ${(err as Error).message}`)
      } finally {
        inflight--
      }
    }
  }
  app.decorate('ingest', publisher)
}

export default fp(ingestPublisher, { name: 'drain-ingest', dependencies: ['addonkit-nats', 'addonkit-health'] })
