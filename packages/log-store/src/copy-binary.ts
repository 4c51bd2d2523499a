// Encodes a Logplex body straight into PostgreSQL binary COPY rows (the `COPY … (FORMAT
// binary)` wire format: a signature, then per row a field count and (length, bytes) per
// field, -1 for NULL), in one pass over the body (scanFrames) and without building an
// object or a string per line: a line's text fields are copied byte for byte from the body
// when the body is valid UTF-8 without NUL, which is what drains send. Only router lines
// are decoded, to read their fields. The writer used to parse each body into line
// objects and encode those; its thread then spent about a quarter of its time in garbage
// collection (one --cpu-prof of it during a 30 s paced run; see README, "Measured").
//
// Binary COPY against the text format (measured here, 10,000-row transactions into
// log_lines): COPY itself 1.5–1.9× faster, because PostgreSQL no longer parses timestamps,
// uuids, dates and integers from text nor un-escapes the message. Text fields must be
// valid UTF-8 without NUL: a body that is not gets each field decoded (invalid sequences
// become U+FFFD, as in parseFrames) and every NUL replaced by U+FFFD (a text column cannot
// hold it).
import { isUtf8 } from 'node:buffer'
import { parseL10Message, parseRouterLine, scanFrames, type RouterLine } from '@addonkit/logplex'
import { loadOf, processTypeOf, queueTimeOf, type WindowAggregator } from '@addonkit/autoscale'
import { clampToReceipt } from './batch-lines.js'

/** The COPY column list, in the order the rows are written. */
export const COPY_COLUMNS = 'tenant_id, expires_on, ts, seq, ts_raw, source, proc_id, pri, msg, status, method, path, host, connect_ms, service_ms, bytes, request_id, dyno'
const FIELDS = 18

const DAY_MS = 86_400_000
/** 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01. */
const PG_EPOCH_DAY = 10_957
const PG_EPOCH_MS = PG_EPOCH_DAY * DAY_MS
const TWO_32 = 2 ** 32
/** `PGCOPY\n\377\r\n\0`, flags 0, header extension length 0. */
export const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)])
/** The trailer: a field count of -1. */
export const COPY_TRAILER = Buffer.from([0xff, 0xff])
const CHUNK_BYTES = 256 * 1024
/** Storage estimate of a line beyond its text: tuple header, fixed columns, index entry. */
const ROW_OVERHEAD_BYTES = 96
/**
 * The smallest frame, `17 <0>1 - - - - -`... is `N <0>1 T H A P M` with one-byte tokens: 17
 * bytes with its length prefix. A body of n bytes holds at most n / 17 frames, which is
 * how many seq values a batch reserves before it is encoded.
 */
export const MIN_FRAME_BYTES = 17

const HEROKU = Buffer.from('heroku')
const ROUTER = Buffer.from('router')
const LOGPLEX = Buffer.from('logplex')
const APP = Buffer.from('app')
/** Messages the autoscaler reads besides router lines start with one of these. */
const QUEUE_MARKS = [Buffer.from('[addonkit] queue='), Buffer.from('[hirefire:router] queue=')]
const RUNTIME_MARK = Buffer.from('source=')

/**
 * Where a batch's seq values come from: row i gets `blocks[k >> 16] + (k & 0xffff)` with
 * k = from + i, blocks being starts of `log_lines_seq` blocks of 65,536 (SEQ_BLOCK).
 */
export interface SeqRange { blocks: number[], from: number }
export const SEQ_BLOCK_BITS = 16

export interface EncodeOptions {
  tenantId: string
  /** When the batch was received (epoch ms): line timestamps are clamped to it ± 1 day. */
  receivedAt: number
  retentionDays: number
  seq: SeqRange
  /** Encode only the first `limit` lines (the rest are over the daily quota); all by default. */
  limit?: number
  /**
   * Router metrics of the lines, for the autoscaler (packages/autoscale): router lines
   * (already parsed here), app lines that start with a queue-time marker and runtime
   * metrics lines. Keyed by the tenant id.
   */
  metrics?: WindowAggregator
}

export interface EncodedBatch {
  /** Row data (no COPY header or trailer) by expiry day (days since 1970-01-01). */
  days: Map<number, Buffer[]>
  /** Frames in the body, encoded or not. */
  frames: number
  /** Rows encoded: min(frames, limit). */
  rows: number
  /** Storage estimate of the encoded rows, for the usage counters. */
  bytes: number
  /** Lines Logplex reported lost in L10 frames of the whole body (protocol §11.1). */
  reportedLoss: number
}

/** One expiry day's output: full chunks, and the one being written. */
interface DayOut { chunks: Buffer[], buf: Buffer, p: number }

const uuidCache = new Map<string, Buffer>()
function uuidBytes (u: string): Buffer {
  let b = uuidCache.get(u)
  if (b === undefined) {
    const hex = u.replace(/-/g, '')
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a uuid: ${u}`)
    b = Buffer.from(hex, 'hex')
    if (uuidCache.size > 10_000) uuidCache.clear()
    uuidCache.set(u, b)
  }
  return b
}

function noNul (s: string): string {
  return s.indexOf('\0') === -1 ? s : s.replaceAll('\0', '\uFFFD')
}

function startsWith (b: Buffer, s: number, e: number, want: Buffer): boolean {
  if (e - s < want.length) return false
  for (let i = 0; i < want.length; i++) if (b[s + i] !== want[i]) return false
  return true
}

function bytesAre (b: Buffer, s: number, e: number, want: Buffer): boolean {
  if (e - s !== want.length) return false
  for (let i = 0; i < want.length; i++) if (b[s + i] !== want[i]) return false
  return true
}

function asciiRange (b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i]! >= 0x80) return false
  return true
}

// Writers of binary COPY fields at p into b, returning the next position. Plain functions
// with the position in a local variable: V8 inlines them, where closures over a shared
// position kept it in memory (a one-off timing of decompress + encode on one thread:
// 2.0–2.1 µs a line with closures, 1.7–2.0 µs with these).
function w16 (b: Buffer, p: number, v: number): number { b[p] = v >>> 8; b[p + 1] = v; return p + 2 }
function w32 (b: Buffer, p: number, v: number): number { b[p] = v >>> 24; b[p + 1] = v >>> 16; b[p + 2] = v >>> 8; b[p + 3] = v; return p + 4 }
/** A signed 64-bit integer from a safe integer. */
function w64 (b: Buffer, p: number, v: number): number {
  const h = Math.floor(v / TWO_32)
  return w32(b, w32(b, p, h | 0), (v - h * TWO_32) >>> 0)
}
/** A text field from a string (NUL replaced), or NULL. */
function wStr (b: Buffer, p: number, s: string | null | undefined): number {
  if (s === null || s === undefined) return w32(b, p, -1)
  const n = b.write(noNul(s), p + 4, 'utf8')
  w32(b, p, n)
  return p + 4 + n
}
/** A text field from the bytes body[s, e), valid UTF-8 without NUL. */
function wBytes (b: Buffer, p: number, body: Buffer, s: number, e: number): number {
  const n = e - s
  p = w32(b, p, n)
  // Buffer#copy costs ~60 ns a call here (Node 20), a byte loop ~0.8 ns a byte (one-off
  // timing of 2 M copies of 6–400 bytes).
  if (n < 64) { for (let i = s; i < e; i++) b[p++] = body[i]!; return p }
  body.copy(b, p, s, e)
  return p + n
}
// A number that does not fit its column (a router line may carry up to 15 digits) is
// stored as NULL: one absurd field must not make the whole transaction fail forever.
function wI16 (b: Buffer, p: number, v: number | null): number { return v === null || v < -32768 || v > 32767 ? w32(b, p, -1) : w16(b, w32(b, p, 2), v) }
function wI32 (b: Buffer, p: number, v: number | null): number { return v === null || v < -2147483648 || v > 2147483647 ? w32(b, p, -1) : w32(b, w32(b, p, 4), v) }
function wI64 (b: Buffer, p: number, v: number | null): number { return v === null ? w32(b, p, -1) : w64(b, w32(b, p, 8), v) }

/**
 * Encodes the frames of a Logplex body as binary COPY rows of `log_lines`, grouped by
 * expiry day (the day of the line's clamped timestamp plus the retention). Router lines
 * get their fields; L10 frames are counted as reported loss.
 * @throws FramingError when the body is not valid framing (nothing usable is returned)
 */
export function encodeBatch (body: Buffer, o: EncodeOptions): EncodedBatch {
  const limit = o.limit ?? Infinity
  const tenant = uuidBytes(o.tenantId)
  const receivedAt = o.receivedAt
  const retentionDays = o.retentionDays
  const { blocks, from } = o.seq
  const metrics = o.metrics
  // Bytes are copied as they are only when every range of them is valid text.
  const copyBytes = isUtf8(body) && body.indexOf(0) === -1
  const firstChunk = Math.min(CHUNK_BYTES, 2 * body.length + 4096)
  const outs = new Map<number, DayOut>()
  let lastDay = NaN
  let out: DayOut | undefined
  let text: string | undefined
  let rows = 0
  let bytes = 0
  let reportedLoss = 0

  const frames = scanFrames(body, (v) => {
    if (bytesAre(body, v.procStart, v.procEnd, LOGPLEX) && bytesAre(body, v.appStart, v.appEnd, HEROKU)) {
      const l10 = parseL10Message(body.toString('utf8', v.msgStart, v.msgEnd))
      if (l10) reportedLoss += l10.dropped
    }
    if (v.index >= limit) return
    const ts = clampToReceipt(v.timeMs, receivedAt)
    const clamped = ts !== v.timeMs
    let router: RouterLine | null = null
    if (bytesAre(body, v.procStart, v.procEnd, ROUTER) && bytesAre(body, v.appStart, v.appEnd, HEROKU)) {
      // Router lines are ASCII: cut them from the body read once as latin1 (cheap slices).
      if (asciiRange(body, v.msgStart, v.msgEnd)) { text ??= body.toString('latin1'); router = parseRouterLine(text.substring(v.msgStart, v.msgEnd)) } else router = parseRouterLine(body.toString('utf8', v.msgStart, v.msgEnd))
    }
    if (metrics) {
      if (router) metrics.addRouter(o.tenantId, ts, router)
      else if (bytesAre(body, v.procStart, v.procEnd, ROUTER) && bytesAre(body, v.appStart, v.appEnd, HEROKU)) metrics.counters.unparsed++
      else if (bytesAre(body, v.appStart, v.appEnd, APP)) {
        // Only lines that start with the marker are read (a cheap test on every app line).
        if (QUEUE_MARKS.some((m) => startsWith(body, v.msgStart, v.msgEnd, m))) {
          const ms = queueTimeOf(body.toString('utf8', v.msgStart, v.msgEnd))
          const type = processTypeOf(body.toString('latin1', v.procStart, v.procEnd))
          if (ms !== null && type) metrics.addQueue(o.tenantId, ts, type, ms)
        }
      } else if (bytesAre(body, v.appStart, v.appEnd, HEROKU) && startsWith(body, v.msgStart, v.msgEnd, RUNTIME_MARK)) {
        const message = body.toString('utf8', v.msgStart, v.msgEnd)
        const load = loadOf(message)
        const type = /^source=([-\w]{1,128})\./.exec(message)?.[1]
        if (load !== null && type) metrics.addLoad(o.tenantId, ts, type, load)
      }
    }
    const day = Math.floor(ts / DAY_MS) + retentionDays
    if (day !== lastDay) {
      lastDay = day
      out = outs.get(day)
      if (out === undefined) {
        out = { chunks: [], buf: Buffer.allocUnsafe(firstChunk), p: 0 }
        outs.set(day, out)
      }
    }
    const d = out!
    // Upper bound of the row: fixed fields, the frame's bytes (three times when decoded:
    // U+FFFD is three bytes), and router fields, which repeat parts of the message.
    const need = 512 + (copyBytes ? 2 : 7) * (v.msgEnd - v.tsStart)
    if (d.p + need > d.buf.length) {
      if (d.p > 0) d.chunks.push(d.buf.subarray(0, d.p))
      d.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need))
      d.p = 0
    }
    const b = d.buf
    let p = w16(b, d.p, FIELDS)
    p = w32(b, p, 16)
    for (let i = 0; i < 16; i++) b[p++] = tenant[i]!
    p = w32(b, w32(b, p, 4), day - PG_EPOCH_DAY)
    p = w64(b, w32(b, p, 8), (ts - PG_EPOCH_MS) * 1000)
    const k = from + rows
    p = w64(b, w32(b, p, 8), blocks[k >>> SEQ_BLOCK_BITS]! + (k & 0xffff))
    p = clamped ? wStr(b, p, body.toString('utf8', v.tsStart, v.tsEnd)) : w32(b, p, -1)
    if (copyBytes) {
      p = wBytes(b, p, body, v.appStart, v.appEnd)
      p = wBytes(b, p, body, v.procStart, v.procEnd)
      p = wI16(b, p, v.pri)
      p = wBytes(b, p, body, v.msgStart, v.msgEnd)
    } else {
      p = wStr(b, p, body.toString('utf8', v.appStart, v.appEnd))
      p = wStr(b, p, body.toString('utf8', v.procStart, v.procEnd))
      p = wI16(b, p, v.pri)
      p = wStr(b, p, body.toString('utf8', v.msgStart, v.msgEnd))
    }
    if (router === null) {
      for (let f = 0; f < 9; f++) p = w32(b, p, -1)
    } else {
      p = wI16(b, p, router.status)
      p = wStr(b, p, router.method)
      p = wStr(b, p, router.path)
      p = wStr(b, p, router.host)
      p = wI32(b, p, router.connectMs)
      p = wI32(b, p, router.serviceMs)
      p = wI64(b, p, router.bytes)
      p = wStr(b, p, router.requestId || null)
      p = wStr(b, p, router.dyno || null)
    }
    d.p = p
    rows++
    bytes += ROW_OVERHEAD_BYTES + (v.msgEnd - v.msgStart) + (v.procEnd - v.procStart) + (router ? router.path.length + router.requestId.length + 32 : 0)
  })
  const days = new Map<number, Buffer[]>()
  for (const [day, d] of outs) {
    if (d.p > 0) d.chunks.push(d.buf.subarray(0, d.p))
    days.set(day, d.chunks)
  }
  return { days, frames, rows, bytes, reportedLoss }
}
