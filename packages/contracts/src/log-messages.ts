// Messages of the log pipeline. A batch on `subjects.logIngest` (stream
// `streams.logIngest`) is the raw Logplex body as received (octet-counted frames, spec
// §11.1) with the headers below: no re-encoding on the ingest hot path. A message on
// `subjects.logIngestBundle` carries several such batches at once (encodeIngestBundle):
// each with the same fields, in the payload instead of the headers. A message on
// `subjects.logTail` is JSON: the lines of one batch that JetStream has confirmed, for
// live tail. A message on `subjects.logQuotaFull` is the UTC day (YYYY-MM-DD) on which the
// tenant's daily line quota is used up.
import { Type, type Static } from '@sinclair/typebox'

/** NATS headers of a log batch on the ingest stream. */
export const logIngestHeaders = {
  /** Log tenant id (uuid). */
  tenant: 'Addonkit-Tenant',
  /** De-duplication key of the batch within its tenant: the Logplex-Frame-Id (plus a part suffix). */
  batchId: 'Addonkit-Batch-Id',
  /** Frames in the body (already checked against Logplex-Msg-Count). */
  count: 'Addonkit-Msg-Count',
  /** Receipt time, epoch milliseconds: line timestamps are clamped around it. */
  receivedAt: 'Addonkit-Received-At',
  /** `drain` (Logplex) or `api` (POST /v1/logs). */
  origin: 'Addonkit-Origin',
  /** `br` when the body is Brotli-compressed; absent for the raw Logplex bytes. */
  encoding: 'Addonkit-Encoding',
  /** On a bundle: how many batches it holds (`count` is then the frames of all of them). */
  batches: 'Addonkit-Batches'
} as const

/** One batch of a bundle: the fields a single message carries in its headers, and its body. */
export interface IngestBundleEntry {
  tenant: string
  batchId: string
  count: number
  receivedAt: number
  origin: string
  /** 'br' or null, as the `encoding` header. */
  encoding: string | null
  data: Uint8Array
}

/** Most bytes a bundle adds per entry (two lengths and its fields; a batch id is at most ~150 characters). */
export const INGEST_BUNDLE_ENTRY_OVERHEAD = 512

/**
 * Several batches as one message payload: per entry a 4-byte big-endian length and a JSON
 * array of its fields, then a 4-byte length and its data. The data are copied once, into
 * the payload.
 */
export function encodeIngestBundle (entries: IngestBundleEntry[]): Buffer {
  const metas = entries.map((e) => Buffer.from(JSON.stringify([e.tenant, e.batchId, e.count, e.receivedAt, e.origin, e.encoding])))
  let size = 0
  entries.forEach((e, i) => { size += 8 + metas[i]!.length + e.data.byteLength })
  const out = Buffer.allocUnsafe(size)
  let p = 0
  entries.forEach((e, i) => {
    const m = metas[i]!
    out.writeUInt32BE(m.length, p); m.copy(out, p + 4); p += 4 + m.length
    out.writeUInt32BE(e.data.byteLength, p); out.set(e.data, p + 4); p += 4 + e.data.byteLength
  })
  return out
}

/** Thrown for a bundle payload that is not what encodeIngestBundle writes. */
export class BadIngestBundle extends Error {
  constructor (message: string) { super(`bad ingest bundle: ${message}`); this.name = 'BadIngestBundle' }
}

/** The entries of a bundle; their data are Buffer views into `payload`, not copies. */
export function decodeIngestBundle (payload: Uint8Array): Array<IngestBundleEntry & { data: Buffer }> {
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  const out: Array<IngestBundleEntry & { data: Buffer }> = []
  let p = 0
  const take = (what: string): Buffer => {
    if (p + 4 > b.length) throw new BadIngestBundle(`truncated before the length of ${what} at byte ${p}`)
    const n = b.readUInt32BE(p)
    if (p + 4 + n > b.length) throw new BadIngestBundle(`${what} of ${n} bytes at byte ${p} runs past the end (${b.length})`)
    const v = b.subarray(p + 4, p + 4 + n)
    p += 4 + n
    return v
  }
  while (p < b.length) {
    let fields: unknown
    try { fields = JSON.parse(take('the fields').toString('utf8')) } catch (err) { if (err instanceof BadIngestBundle) throw err; throw new BadIngestBundle(`the fields of entry ${out.length + 1} are not JSON`) }
    const f = fields as unknown[]
    if (!Array.isArray(f) || f.length !== 6 || typeof f[0] !== 'string' || typeof f[1] !== 'string' || typeof f[2] !== 'number' || typeof f[3] !== 'number' || typeof f[4] !== 'string' || (f[5] !== null && typeof f[5] !== 'string')) {
      throw new BadIngestBundle(`the fields of entry ${out.length + 1} are not [tenant, batchId, count, receivedAt, origin, encoding]`)
    }
    out.push({ tenant: f[0], batchId: f[1], count: f[2], receivedAt: f[3], origin: f[4], encoding: f[5] as string | null, data: take('the data') })
  }
  return out
}

export const LogTailLine = Type.Object({
  /** RFC 3339 with milliseconds (the stored, clamped timestamp). */
  ts: Type.String(),
  source: Type.String(),
  proc: Type.String(),
  message: Type.String(),
  status: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  path: Type.Optional(Type.Union([Type.String(), Type.Null()]))
})
export type LogTailLine = Static<typeof LogTailLine>

export const LogTailMessage = Type.Object({
  tenantId: Type.String(),
  lines: Type.Array(LogTailLine)
})
export type LogTailMessage = Static<typeof LogTailMessage>

/** How often a live tail announces itself on subjects.logTailInterest (ingestion forgets after a few periods). */
export const LOG_TAIL_INTEREST_MS = 5_000
