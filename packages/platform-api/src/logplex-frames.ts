// Builds the body Logplex's input endpoint accepts (protocol §11.2): RFC 5424 messages WITH the
// structured-data NILVALUE, in the 2024 layout `<190>1 TIMESTAMP <addon id> app PROCID - - MSG`,
// each octet-counted (RFC 6587) in UTF-8 bytes including its trailing LF. The frames
// themselves are written by @addonkit/logplex's encoder.
import { type EncodeFrameInput, encodeFrames } from '@addonkit/logplex'

export interface LogLine {
  message: string
  /** Defaults to the time the body is built. */
  at?: Date
  /** RFC 5424 PROCID; defaults to the add-on id. */
  procId?: string
}

export interface FrameOptions {
  /** Goes in HOSTNAME (the 2024 layout puts an id there) and is the default PROCID. */
  addonId: string
  now?: Date
}

export interface LogplexBody {
  body: Buffer
  /** Number of frames; the Logplex-Msg-Count header. */
  count: number
}

/** RFC 3339 timestamp with an explicit offset, as in Heroku's examples. */
export function formatTimestamp (at: Date): string {
  return at.toISOString().replace(/Z$/, '+00:00')
}

/** An RFC 5424 header field: printable US-ASCII, no spaces, bounded length, `-` when empty. */
export function headerField (value: string, maxLength: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLength)
  return clean === '' ? '-' : clean
}

/**
 * Encodes lines into one Logplex body. A message with embedded line breaks becomes one
 * frame per line (a trailing break is dropped), so every frame shows as one log line.
 */
export function buildLogplexBody (lines: readonly LogLine[], opts: FrameOptions): LogplexBody {
  const now = opts.now ?? new Date()
  const hostname = headerField(opts.addonId, 255)
  const frames: EncodeFrameInput[] = []
  for (const line of lines) {
    const parts = line.message.replace(/\r?\n$/, '').split(/\r?\n/)
    const procId = headerField(line.procId === undefined || line.procId === '' ? opts.addonId : line.procId, 128)
    const timestamp = formatTimestamp(line.at ?? now)
    // PRI defaults to <190> (local7.info), Heroku's suggested value for add-on writes (§11.2).
    for (const message of parts) frames.push({ timestamp, hostname, appName: 'app', procId, message, sd: true })
  }
  return { body: encodeFrames(frames), count: frames.length }
}
