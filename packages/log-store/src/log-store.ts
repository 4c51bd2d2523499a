// The storage interface behind ingestion and the data API. The writer hands it batches as
// the Logplex bodies ingestion accepted: the store parses them in prepare(), outside the
// transaction (the PostgreSQL store encodes COPY rows straight from the bytes; a store that
// wants line objects gets them from batchLines()). Routes ask it for searches and usage. PostgreSQL implements it today
// (pg-log-store.ts); a column store can implement the same interface later without
// touching ingestion, the writer's exactly-once contract included (append must record the
// batch id atomically with the lines and report duplicates).
import type { RouterLine } from '@addonkit/logplex'
import type { RouterWindow } from '@addonkit/autoscale'

/** One line of a batch, as batchLines() reads it (the live tail; a store that wants objects). */
export interface StoredLine {
  /** Epoch ms, already clamped around the receipt time. */
  ts: number
  /** The timestamp as sent, when it differs from ts (clamped or not RFC 3339). */
  tsRaw: string | null
  /** APP-NAME: `app` or `heroku` (protocol §11.1). */
  source: string
  procId: string
  pri: number
  message: string
  router: RouterLine | null
}

/** A drain or API batch as the writer receives it from JetStream. */
export interface IncomingBatch {
  tenantId: string
  batchId: string
  /** UTC day (YYYY-MM-DD) the quota and usage counters of this batch belong to. */
  day: string
  retentionDays: number
  /** The plan's daily line quota; null for none. */
  linesPerDay: number | null
  /** The Logplex body (protocol §11.1), as ingestion accepted it. */
  body: Buffer
  /** When ingestion received it (epoch ms): line timestamps are clamped to it ± 1 day. */
  receivedAt: number
}

/**
 * A batch after the store's own preparation (parsing, encoding), which the writer runs
 * outside any transaction, for the next group while the previous one commits. A store
 * adds what it needs to it; the writer only reads these fields.
 */
export interface PreparedBatch {
  readonly batch: IncomingBatch
  /** Lines in the body. */
  readonly lines: number
}

export type AppendOutcome =
  | { duplicate: true }
  | {
    duplicate: false
    /** How many lines were stored (the first ones, up to the quota). */
    stored: number
    dropped: number
    /** True for the first batch of the tenant's day that hit the quota. */
    quotaReached: boolean
    /**
     * The router-metric windows of the batch's lines (packages/autoscale), stored with the
     * batch: every line counts, the ones over the quota too (the app's traffic is what it is).
     */
    windows: RouterWindow[]
    /** Router lines of the batch that did not parse: stored as plain lines, left out of the windows. */
    routerUnparsed: number
  }

export interface SearchQuery {
  tenantId: string
  retentionDays: number
  since?: number
  until?: number
  text?: string
  source?: string
  proc?: string
  status?: { min: number, max: number }
  path?: string
  limit: number
  cursor?: string
}

export interface SearchLine {
  id: string
  ts: string
  source: string
  proc: string
  message: string
  timestamp_sent?: string
  router?: {
    status: number | null
    method: string | null
    path: string | null
    host: string | null
    connect_ms: number | null
    service_ms: number | null
    bytes: number | null
    request_id: string | null
    dyno: string | null
  }
}

export interface SearchResult { lines: SearchLine[], nextCursor: string | null }

export interface TenantUsage {
  linesToday: number
  droppedToday: number
  reportedLossToday: number
  storedBytes: number
}

export interface LogStore {
  /**
   * Parses (and encodes, as the store needs) one batch, outside any transaction.
   * @throws FramingError when the body cannot be parsed: it can never be stored
   */
  prepare (batch: IncomingBatch): Promise<PreparedBatch>
  /** Stores prepared batches exactly once each (duplicates by tenant + batch id are skipped), applying the daily quota. */
  append (batches: PreparedBatch[]): Promise<AppendOutcome[]>
  search (query: SearchQuery): Promise<SearchResult>
  /** The newest `limit` lines (oldest first), to prime a live tail. */
  tail (tenantId: string, retentionDays: number, limit: number): Promise<SearchLine[]>
  usage (tenantId: string, retentionDays: number): Promise<TenantUsage>
  purgeTenant (tenantId: string): Promise<void>
  /** Creates storage for the days ahead; removes data whose retention has passed. */
  maintain (horizonDays: number): Promise<{ created: number, dropped: number }>
}

/** Thrown for a cursor this store did not issue. */
export class BadCursorError extends Error {
  constructor () { super('The cursor is not valid; start again without one.'); this.name = 'BadCursorError' }
}
