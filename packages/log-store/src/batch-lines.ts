// Turns one ingest message (a raw Logplex body, protocol §11.1) into lines to store: router
// lines get their fields, L10 notices count as reported loss, and each timestamp is clamped
// to the receipt time ± 1 day. The clamp keeps a dyno with a wrong clock (or a replayed
// old line) out of partitions that are about to be dropped or far in the future, and the
// timestamp as sent is kept beside it.
import { parseFrames, parseL10, parseRouterLine, isRouterFrame } from '@addonkit/logplex'
import type { StoredLine } from './log-store.js'

export const CLAMP_MS = 86_400_000

/**
 * A line's timestamp (epoch ms, NaN when it sent none that parses) as stored: clamped to the
 * receipt time ± CLAMP_MS, the receipt time when missing. The caller keeps the timestamp as
 * sent whenever the result differs from `t`.
 */
export function clampToReceipt (t: number, receivedAt: number): number {
  if (Number.isNaN(t)) return receivedAt
  return t < receivedAt - CLAMP_MS ? receivedAt - CLAMP_MS : t > receivedAt + CLAMP_MS ? receivedAt + CLAMP_MS : t
}

export interface ParsedBatch { lines: StoredLine[], reportedLoss: number }

export function batchLines (body: Buffer, receivedAt: number): ParsedBatch {
  const frames = parseFrames(body)
  const lines: StoredLine[] = new Array(frames.length)
  let reportedLoss = 0
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!
    const t = f.time === null ? NaN : f.time.getTime()
    const ts = clampToReceipt(t, receivedAt)
    const tsRaw = ts === t ? null : f.timestamp
    const router = isRouterFrame(f) ? parseRouterLine(f.message) : null
    if (f.appName === 'heroku' && f.procId === 'logplex') {
      const l10 = parseL10(f)
      if (l10) reportedLoss += l10.dropped
    }
    lines[i] = { ts, tsRaw, source: f.appName, procId: f.procId, pri: f.pri, message: f.message, router }
  }
  return { lines, reportedLoss }
}
