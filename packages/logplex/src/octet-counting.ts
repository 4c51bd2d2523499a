// RFC 6587 octet counting (§3.4.1): a Logplex body is `<length><SP><frame>` repeated with
// nothing between frames, the length in decimal ASCII counting BYTES (protocol §11.1, §16
// item 14). This module only walks that framing; parse-frames.ts reads what is inside.
import { FramingError } from './errors.js'

/** Largest frame length accepted (1 MiB); Heroku's own frames stay near 10,000 bytes. */
export const MAX_FRAME_BYTES = 1024 * 1024

/** Digits of MAX_FRAME_BYTES: a longer length is rejected before it can overflow. */
const MAX_LENGTH_DIGITS = 7

const SP = 0x20

/**
 * Reads the length prefix of the frame that starts at `pos` and checks that the whole
 * frame fits in the body. Returns the frame length; the frame's first byte is at
 * `pos + lengthDigits(length) + 1` (leading zeros are rejected, so the value fixes the
 * number of digits).
 */
export function readFrameLength (body: Buffer, pos: number, frameIndex: number): number {
  const n = body.length
  let c = body[pos]!
  if (c < 0x31 || c > 0x39) {
    if (c === 0x30) throw new FramingError('LOGPLEX_BAD_FRAMING', 'frame length has a leading zero (RFC 6587 MSG-LEN starts with a non-zero digit)', pos, frameIndex)
    const hint = c === 0x3c && pos === 0 ? '; the body is not octet-counted (it starts with "<")' : ''
    throw new FramingError('LOGPLEX_BAD_FRAMING', `expected the decimal length of a frame, found ${describeByte(c)}${hint}`, pos, frameIndex)
  }
  let len = c - 0x30
  let p = pos + 1
  for (;;) {
    if (p >= n) throw new FramingError('LOGPLEX_BAD_FRAMING', 'body ends inside a frame length (truncated body)', p, frameIndex)
    c = body[p]!
    if (c < 0x30 || c > 0x39) break
    if (p - pos >= MAX_LENGTH_DIGITS) throw new FramingError('LOGPLEX_FRAME_TOO_LARGE', `frame length has more than ${MAX_LENGTH_DIGITS} digits; the limit is ${MAX_FRAME_BYTES} bytes`, pos, frameIndex)
    len = len * 10 + (c - 0x30)
    p++
  }
  if (c !== SP) throw new FramingError('LOGPLEX_BAD_FRAMING', `expected a space after the frame length ${len}, found ${describeByte(c)}`, p, frameIndex)
  if (len > MAX_FRAME_BYTES) throw new FramingError('LOGPLEX_FRAME_TOO_LARGE', `frame length ${len} exceeds the limit of ${MAX_FRAME_BYTES} bytes`, pos, frameIndex)
  const left = n - p - 1
  if (len > left) throw new FramingError('LOGPLEX_BAD_FRAMING', `frame length ${len} runs past the end of the body (${left} bytes left): truncated body or wrong length`, pos, frameIndex)
  return len
}

/** Number of decimal digits of a frame length (1 ≤ len ≤ MAX_FRAME_BYTES). */
export function lengthDigits (len: number): number {
  return len < 10 ? 1 : len < 100 ? 2 : len < 1000 ? 3 : len < 10000 ? 4 : len < 100000 ? 5 : len < 1000000 ? 6 : 7
}

/**
 * Counts the frames of a drain body by octet counting alone, without looking inside them:
 * the cheapest walk that still rejects a body whose framing is broken. An empty body has
 * zero frames.
 * @throws FramingError
 */
export function walkFrames (body: Buffer): number {
  const n = body.length
  let pos = 0
  let count = 0
  while (pos < n) {
    const len = readFrameLength(body, pos, count)
    pos += lengthDigits(len) + 1 + len
    count++
  }
  return count
}

/** `0x0a (LF)`, `0x41 ("A")`: how a byte is named in an error message. */
export function describeByte (c: number | undefined): string {
  if (c === undefined) return 'the end of the frame'
  const hex = `0x${c.toString(16).padStart(2, '0')}`
  if (c === 0x20) return `${hex} (space)`
  if (c === 0x0a) return `${hex} (LF)`
  if (c === 0x0d) return `${hex} (CR)`
  if (c > 0x20 && c < 0x7f) return `${hex} ("${String.fromCharCode(c)}")`
  return hex
}
