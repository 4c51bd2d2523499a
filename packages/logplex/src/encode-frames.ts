// Writes octet-counted frames: the drain tests' bodies and log_input requests (spec
// §11.2). The length counts UTF-8 bytes including the trailing LF, as Heroku's do (spec
// §11.1, §16 item 14).
import { FrameEncodeError } from './errors.js'
import { MAX_FRAME_BYTES } from './octet-counting.js'

export interface EncodeFrameInput {
  /** PRIVAL 0–191; default 190 (local7.info, Heroku's suggestion for log_input). */
  pri?: number
  timestamp: string
  /** Default `host`, the literal Logplex puts there. */
  hostname?: string
  appName: string
  procId: string
  /** Default `-`. */
  msgId?: string
  message: string
  /** Write the STRUCTURED-DATA NILVALUE `-` before MSG, as log_input frames need (no SP after it when MSG is empty). */
  sd?: boolean
  /** End the frame with an LF counted in its length; default true. */
  trailingLf?: boolean
}

/** A header field: 1+ characters, none of them a space, control character or DEL. */
function checkToken (field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new FrameEncodeError(field, 'must be a non-empty string')
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c <= 0x20 || c === 0x7f) throw new FrameEncodeError(field, `must not contain spaces or control characters, got ${JSON.stringify(value)}`)
  }
  return value
}

/**
 * What follows MSGID and its space: the message, or with `sd` the NILVALUE and then
 * ` MSG` only when there is one (RFC 5424 `STRUCTURED-DATA [SP MSG]`, as log_input
 * frames are written; an empty message leaves no trailing space).
 */
function body (f: EncodeFrameInput): string {
  if (f.sd !== true) return f.message
  return f.message === '' ? '-' : `- ${f.message}`
}

/**
 * Encodes one frame: `<len> <PRI>1 TS HOST APP PROC MSGID [-[ ]]MSG[\n]`.
 * A message that itself ends in LF, written with `trailingLf: false`, reads back without
 * that LF (a parser drops one trailing LF). Lone UTF-16 surrogates are written as U+FFFD.
 * @throws FrameEncodeError
 */
export function encodeFrame (f: EncodeFrameInput): Buffer {
  const pri = f.pri ?? 190
  if (!Number.isInteger(pri) || pri < 0 || pri > 191) throw new FrameEncodeError('pri', `must be an integer 0–191, got ${String(pri)}`)
  if (typeof f.message !== 'string') throw new FrameEncodeError('message', 'must be a string')
  const payload = `<${pri}>1 ${checkToken('timestamp', f.timestamp)} ${checkToken('hostname', f.hostname ?? 'host')} ` +
    `${checkToken('appName', f.appName)} ${checkToken('procId', f.procId)} ${checkToken('msgId', f.msgId ?? '-')} ` +
    `${body(f)}${f.trailingLf === false ? '' : '\n'}`
  const len = Buffer.byteLength(payload, 'utf8')
  if (len > MAX_FRAME_BYTES) throw new FrameEncodeError('message', `frame would be ${len} bytes; the limit is ${MAX_FRAME_BYTES}`)
  const prefix = `${len} `
  const out = Buffer.allocUnsafe(prefix.length + len)
  out.write(prefix, 0, 'latin1')
  out.write(payload, prefix.length, 'utf8')
  return out
}

/** Encodes frames back to back into one body. @throws FrameEncodeError */
export function encodeFrames (frames: readonly EncodeFrameInput[]): Buffer {
  const parts = frames.map(encodeFrame)
  let total = 0
  for (const part of parts) total += part.length
  return Buffer.concat(parts, total)
}
