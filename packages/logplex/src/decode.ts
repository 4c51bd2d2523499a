// Byte-range → string decoding for the frame parser. Every field is decoded exactly once,
// straight from the body Buffer, without an intermediate subarray.

interface SliceMethods {
  utf8Slice?: (this: Buffer, start: number, end: number) => string
  latin1Slice?: (this: Buffer, start: number, end: number) => string
}

const proto = Buffer.prototype as unknown as SliceMethods

// Buffer#utf8Slice / #latin1Slice are what Buffer#toString dispatches to after checking
// its arguments; calling them directly saves that work on the hot path. They are not
// documented, so fall back to toString where they are missing.
const utf8Slice = proto.utf8Slice ?? function (this: Buffer, s: number, e: number) { return this.toString('utf8', s, e) }
const latin1Slice = proto.latin1Slice ?? function (this: Buffer, s: number, e: number) { return this.toString('latin1', s, e) }

/** UTF-8 text of `b[s, e)`; each invalid sequence becomes U+FFFD (WHATWG decoding). */
export function decodeUtf8 (b: Buffer, s: number, e: number): string {
  return s === e ? '' : utf8Slice.call(b, s, e)
}

/** Byte i of `b[s, e)` as char i: the right text wherever those bytes are ASCII. */
export function decodeLatin1 (b: Buffer, s: number, e: number): string {
  return latin1Slice.call(b, s, e)
}
