// Splits a validated drain body into parts that fit one NATS message (max_payload, 1 MB by
// default, while a drain body may be up to DRAIN_BODY_LIMIT). Cuts fall on frame
// boundaries, and the split is deterministic, so a retried batch yields the same parts and
// each part keeps its own de-duplication key. A single frame too large for any part is
// re-encoded as 10,000-byte chunks of its message, as Heroku itself splits long dyno lines
// (protocol §11.1).
import { encodeFrame, parseFrames } from '@addonkit/logplex'

export interface BodyPart { body: Buffer, count: number }

const CHUNK_BYTES = 10_000

/** Offsets of each frame's start, plus the body length at the end. */
function frameOffsets (body: Buffer): number[] {
  const out: number[] = []
  let p = 0
  while (p < body.length) {
    out.push(p)
    let len = 0
    while (body[p] !== 0x20) len = len * 10 + (body[p++]! - 0x30)
    p += 1 + len
  }
  out.push(body.length)
  return out
}

/** Cuts a UTF-8 buffer into pieces of at most `max` bytes without splitting a character. */
function utf8Chunks (b: Buffer, max: number): Buffer[] {
  const out: Buffer[] = []
  let s = 0
  while (s < b.length) {
    let e = Math.min(b.length, s + max)
    if (e < b.length) {
      let k = e
      while (k > s && (b[k]! & 0xc0) === 0x80) k--
      if (k > s) e = k
    }
    out.push(b.subarray(s, e))
    s = e
  }
  return out
}

function rechunkFrame (frame: Buffer): Buffer[] {
  const [f] = parseFrames(frame)
  const msg = Buffer.from(f!.message, 'utf8')
  return utf8Chunks(msg, CHUNK_BYTES).map((piece) => encodeFrame({
    pri: f!.pri, timestamp: f!.timestamp, hostname: f!.hostname, appName: f!.appName, procId: f!.procId, msgId: f!.msgId, message: piece.toString('utf8')
  }))
}

/** One part when the body fits; otherwise parts of at most maxBytes each. */
export function splitBody (body: Buffer, count: number, maxBytes: number): BodyPart[] {
  if (body.length <= maxBytes) return [{ body, count }]
  const offsets = frameOffsets(body)
  const parts: BodyPart[] = []
  let start = 0
  let frames = 0
  const flush = (end: number) => {
    if (end > start) parts.push({ body: body.subarray(start, end), count: frames })
    start = end
    frames = 0
  }
  for (let i = 0; i + 1 < offsets.length; i++) {
    const s = offsets[i]!
    const e = offsets[i + 1]!
    if (e - s > maxBytes) {
      flush(s)
      const pieces = rechunkFrame(body.subarray(s, e))
      let group: Buffer[] = []
      let size = 0
      for (const piece of pieces) {
        if (size + piece.length > maxBytes && group.length) { parts.push({ body: Buffer.concat(group), count: group.length }); group = []; size = 0 }
        group.push(piece)
        size += piece.length
      }
      if (group.length) parts.push({ body: Buffer.concat(group), count: group.length })
      start = e
      continue
    }
    if (e - start > maxBytes) flush(s)
    frames++
  }
  flush(body.length)
  return parts
}
