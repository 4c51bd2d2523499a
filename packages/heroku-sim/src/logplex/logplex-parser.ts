// Strict parser for what Logplex's input endpoint accepts (protocol §11.2): RFC 6587
// octet-counted frames, counted in bytes, each an RFC 5424 message with a STRUCTURED-DATA
// field (`-` or `[...]`). Also the drain layout Logplex sends to drains (§11.1), the same
// without the STRUCTURED-DATA field, to check what the sim's senders produce. Written
// independently of the client's encoder and the provider's parser on purpose, so a bug in
// one is not mirrored in the other.
import type { SimLogFrame } from '../types.js'

export class LogplexParseError extends Error {
  readonly code = 'SIM_LOGPLEX_MALFORMED'
  constructor (message: string) {
    super(message)
    this.name = 'LogplexParseError'
  }
}

const SP = 0x20
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Splits the body into frames by their byte counts. */
export function splitOctetCounted (body: Buffer): Buffer[] {
  const frames: Buffer[] = []
  let pos = 0
  while (pos < body.length) {
    let end = pos
    while (end < body.length && end - pos <= 10 && body[end]! >= 0x30 && body[end]! <= 0x39) end++
    if (end === pos || body[end] !== SP) throw new LogplexParseError(`frame ${frames.length + 1}: expected "<length> " at byte ${pos}`)
    const digits = body.subarray(pos, end).toString('ascii')
    if (digits.startsWith('0')) throw new LogplexParseError(`frame ${frames.length + 1}: length must not start with 0`)
    const length = Number(digits)
    const start = end + 1
    if (start + length > body.length) throw new LogplexParseError(`frame ${frames.length + 1}: says ${length} bytes, only ${body.length - start} left`)
    frames.push(body.subarray(start, start + length))
    pos = start + length
  }
  return frames
}

const SYSLOG = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: ([\s\S]*))?$/

/** Parses one frame's RFC 5424 message; a single trailing LF is not part of MSG. */
export function parseSyslogFrame (frame: Buffer, index = 0): SimLogFrame {
  let text: string
  try { text = utf8.decode(frame) } catch { throw new LogplexParseError(`frame ${index + 1}: not valid UTF-8`) }
  if (text.endsWith('\n')) text = text.slice(0, -1)
  const m = SYSLOG.exec(text)
  if (!m) throw new LogplexParseError(`frame ${index + 1}: not "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG"`)
  const pri = Number(m[1])
  if (pri > 191) throw new LogplexParseError(`frame ${index + 1}: PRI ${pri} out of range`)
  if (Number.isNaN(Date.parse(m[2]!)) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$/.test(m[2]!)) {
    throw new LogplexParseError(`frame ${index + 1}: TIMESTAMP ${m[2]} is not RFC 3339`)
  }
  return {
    pri,
    timestamp: m[2]!,
    hostname: m[3]!,
    appName: m[4]!,
    procId: m[5]!,
    msgId: m[6]!,
    structuredData: m[7]!,
    message: m[8] ?? ''
  }
}

export function parseLogplexBody (body: Buffer): SimLogFrame[] {
  return splitOctetCounted(body).map((frame, i) => parseSyslogFrame(frame, i))
}

/** A drain frame: the input's fields but STRUCTURED-DATA, which drains never send (§11.1). */
export type DrainFrame = Omit<SimLogFrame, 'structuredData'>

const DRAIN = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+)(?: ([\s\S]*))?$/

/** Parses one drain frame; a single trailing LF is not part of MSG. */
export function parseDrainFrame (frame: Buffer, index = 0): DrainFrame {
  let text: string
  try { text = utf8.decode(frame) } catch { throw new LogplexParseError(`frame ${index + 1}: not valid UTF-8`) }
  if (text.endsWith('\n')) text = text.slice(0, -1)
  const m = DRAIN.exec(text)
  if (!m) throw new LogplexParseError(`frame ${index + 1}: not "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID MSG"`)
  const pri = Number(m[1])
  if (pri > 191) throw new LogplexParseError(`frame ${index + 1}: PRI ${pri} out of range`)
  if (Number.isNaN(Date.parse(m[2]!)) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$/.test(m[2]!)) {
    throw new LogplexParseError(`frame ${index + 1}: TIMESTAMP ${m[2]} is not RFC 3339`)
  }
  return { pri, timestamp: m[2]!, hostname: m[3]!, appName: m[4]!, procId: m[5]!, msgId: m[6]!, message: m[7] ?? '' }
}

/** A Logplex drain body (what Heroku POSTs to a log_drain_url), frame by frame. */
export function parseDrainBody (body: Buffer): DrainFrame[] {
  return splitOctetCounted(body).map((frame, i) => parseDrainFrame(frame, i))
}
