// Live tail, published by ingestion: once JetStream has confirmed a batch (the drain's 2xx
// is about to go out), its lines go to the tenant's core NATS tail subject, if someone is
// tailing that tenant. The writer used to publish them after its commit, so a tail was as
// late as storage: seconds behind during a burst (the writer lets ingestion go first), and
// 10–12 s behind while another tenant's paced 120k lines/s kept the writer busy (bench/drain.ts).
//
// What this costs and what it changes:
// - Parsing the body again, only for tenants being tailed (interest messages, as before):
//   parseFrames + parseRouterLine run at 1.6–1.75 M frames per CPU-second in
//   packages/logplex's benchmark (~0.6 µs a line), then the JSON. Nobody tailing costs a
//   map lookup per batch.
// - A batch JetStream recognised as a retry (same msgID within its duplicate window) is not
//   tailed again. A retry after that window would be: the tail documents "a line may appear
//   twice, never zero times".
// - Lines the writer later drops for the daily quota can appear in the tail until the writer
//   says the quota is used up (subjects.logQuotaFull); from then on that day's lines are
//   not tailed.
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import { subjects, type LogTailMessage } from '@addonkit/contracts'
import { batchLines, utcDay } from '@addonkit/log-store'

/** Tail messages carry at most this many lines (NATS payloads stay small). */
const TAIL_CHUNK = 500
/** A tenant counts as tailed this long after its last interest message (tails send one every 5 s). */
export const TAIL_INTEREST_MS = 15_000

export interface LiveTail {
  /** Publishes the lines of a confirmed batch to the tenant's tail, if it is tailed. */
  offer (tenantId: string, body: Buffer, receivedAt: number): void
  close (): void
}

export function createLiveTail (nc: NatsConnection, onError: (err: unknown, tenantId: string) => void = () => {}): LiveTail {
  const tailed = new Map<string, number>()
  const quotaFull = new Map<string, string>()
  const tenantOf = (subject: string) => subject.slice(subject.lastIndexOf('.') + 1)
  const subs: Subscription[] = [
    nc.subscribe(subjects.logTailInterestAll, { callback: (err, m) => { if (!err) tailed.set(tenantOf(m.subject), Date.now()) } }),
    nc.subscribe(subjects.logQuotaFullAll, { callback: (err, m) => { if (!err) quotaFull.set(tenantOf(m.subject), m.string()) } })
  ]

  return {
    offer (tenantId, body, receivedAt) {
      const seen = tailed.get(tenantId)
      if (seen === undefined) return
      if (Date.now() - seen > TAIL_INTEREST_MS) { tailed.delete(tenantId); return }
      if (quotaFull.get(tenantId) === utcDay(receivedAt)) return
      try {
        const { lines } = batchLines(body, receivedAt)
        for (let i = 0; i < lines.length; i += TAIL_CHUNK) {
          const msg: LogTailMessage = {
            tenantId,
            lines: lines.slice(i, i + TAIL_CHUNK).map((l) => ({ ts: new Date(l.ts).toISOString(), source: l.source, proc: l.procId, message: l.message, status: l.router?.status ?? null, path: l.router?.path ?? null }))
          }
          nc.publish(subjects.logTail(tenantId), JSON.stringify(msg))
        }
      } catch (err) { onError(err, tenantId) } // the batch is stored all the same; only its tail is lost
    },
    close () { for (const s of subs) { try { s.unsubscribe() } catch {} } }
  }
}
