// Every NATS subject, stream and consumer name of Addonkit is spelled here and nowhere else.

/** Root of every subject, so one NATS account can host several Addonkit installs. */
export const ROOT = 'addonkit'

export const subjects = {
  /**
   * Core NATS wake-up: an operation was written to the outbox (operations table).
   * The outbox row is the durable record; this message only cuts latency, and the
   * allocator's sweep picks up anything whose wake-up was lost.
   */
  operationEnqueued: `${ROOT}.ops.enqueued`,
  /** Core NATS: lifecycle events of one instance (operation finished, failed, decided). */
  instanceEvents: (uuid: string) => `${ROOT}.instances.${uuid}.events`,
  instanceEventsAll: `${ROOT}.instances.*.events`,
  /** Request/reply: ask the allocator whether a plan change is allowed right now. */
  planCheck: `${ROOT}.allocator.plan-check`,
  /** Request/reply: current usage of an instance, for the dashboard. */
  usage: `${ROOT}.allocator.usage`,
  /**
   * Live tail of one log tenant (core NATS; a missed message only misses the tail, search
   * has the line). Published by ingestion once JetStream has confirmed the batch, so the
   * tail does not wait for the writer.
   */
  logTail: (tenantId: string) => `${ROOT}.logs.tail.${tenantId}`,
  /**
   * Core NATS: "someone is tailing this tenant", sent by each open tail on connect and then
   * every few seconds, so ingestion builds tail messages only for tenants being watched.
   */
  logTailInterest: (tenantId: string) => `${ROOT}.logs.tail-interest.${tenantId}`,
  logTailInterestAll: `${ROOT}.logs.tail-interest.*`,
  /**
   * Core NATS: "this replica of the service is running", from each replica every few
   * seconds (service-kit replicas.ts), so limits kept in memory can be shared out.
   */
  presence: (service: string) => `${ROOT}.presence.${service}`,
  /**
   * Core NATS, from the writer: this tenant's daily line quota is used up for the UTC day
   * in the payload, so ingestion stops tailing lines the writer will drop.
   */
  logQuotaFull: (tenantId: string) => `${ROOT}.logs.quota-full.${tenantId}`,
  logQuotaFullAll: `${ROOT}.logs.quota-full.*`,
  /** JetStream: accepted drain batches waiting to be written to storage. */
  logIngest: (tenantId: string) => `${ROOT}.logs.ingest.${tenantId}`,
  /** JetStream: several accepted batches in one message (log-messages.ts, encodeIngestBundle). */
  logIngestBundle: `${ROOT}.logs.ingest.bundle`,
  logIngestAll: `${ROOT}.logs.ingest.>`,
  /**
   * Core NATS, from the log-drain writer: router-metric windows of one tenant, published
   * after they are stored (router_windows). They wake the autoscaler at once; a lost
   * message costs nothing but that wake-up, since the autoscaler reads what is stored.
   */
  autoscaleWindows: `${ROOT}.autoscale.windows`
} as const

export const streams = {
  /** Work queue of accepted log batches (limits: work-queue retention, file storage). */
  logIngest: 'ADDONKIT_LOG_INGEST'
} as const

export const consumers = {
  logWriter: 'log-writer'
} as const

/** Queue group so that only one allocator replica handles each request. */
export const queueGroups = {
  allocator: 'addonkit-allocator'
} as const
