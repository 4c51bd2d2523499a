// Messages of the log pipeline. A batch on `subjects.logIngest` (stream
// `streams.logIngest`) is the raw Logplex body as received (octet-counted frames, spec
// §11.1) with the headers below: no re-encoding on the ingest hot path. A message on
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
  encoding: 'Addonkit-Encoding'
} as const

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
