// Errors of the logplex package. A drain body is either parsed whole or rejected with one
// FramingError that names the rule it broke and the byte offset in the body where it did,
// so the drain service can log a precise reason and answer without guessing.

/** Codes of a {@link FramingError}. */
export type FramingErrorCode =
  /** The octet counting is broken: bad length digits, missing space, truncation, garbage. */
  | 'LOGPLEX_BAD_FRAMING'
  /** A frame announces a length above {@link MAX_FRAME_BYTES}. */
  | 'LOGPLEX_FRAME_TOO_LARGE'
  /** The syslog header inside a frame is malformed (PRI, version, a missing field, SD). */
  | 'LOGPLEX_BAD_HEADER'
  /** The number of frames differs from `expectedCount` (the Logplex-Msg-Count header). */
  | 'LOGPLEX_COUNT_MISMATCH'
  /** The body holds more frames than `maxFrames`. */
  | 'LOGPLEX_TOO_MANY_FRAMES'

/** Base class of every error this package throws; `code` says which rule was broken. */
export class LogplexError extends Error {
  readonly code: string
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** A drain body that is not a valid sequence of octet-counted syslog frames. */
export class FramingError extends LogplexError {
  declare readonly code: FramingErrorCode
  /** Byte offset in the body where the problem was found. */
  readonly offset: number
  /** Zero-based index of the frame being read when the problem was found. */
  readonly frameIndex: number
  constructor (code: FramingErrorCode, reason: string, offset: number, frameIndex: number) {
    super(code, `${reason} (frame ${frameIndex}, byte offset ${offset})`)
    this.offset = offset
    this.frameIndex = frameIndex
  }
}

/** `encodeFrame` was given a field that cannot be written into a syslog header. */
export class FrameEncodeError extends LogplexError {
  declare readonly code: 'LOGPLEX_INVALID_FIELD'
  /** Name of the offending input field (`pri`, `timestamp`, `appName`, …). */
  readonly field: string
  constructor (field: string, problem: string) {
    super('LOGPLEX_INVALID_FIELD', `cannot encode frame: ${field}: ${problem}`)
    this.field = field
  }
}
