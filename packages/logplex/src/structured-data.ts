// RFC 5424 STRUCTURED-DATA (§6.3): the NILVALUE `-` or one or more
// `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]` elements. Heroku's drains never send it
// (protocol §11.1); log_input frames carry the `-` (protocol §11.2). Used by parse-frames.ts
// when the caller asks for SD to be recognised.

const SP = 0x20
const LF = 0x0a
const DASH = 0x2d
const EQ = 0x3d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const LBRACKET = 0x5b
const RBRACKET = 0x5d

/** SD-NAME: printable US-ASCII except `=`, SP, `]` and `"`. Returns its end, or -1 if empty. */
function scanName (b: Buffer, q: number, e: number): number {
  const s = q
  while (q < e) {
    const c = b[q]!
    if (c <= 0x20 || c >= 0x7f || c === EQ || c === RBRACKET || c === QUOTE) break
    q++
  }
  return q === s ? -1 : q
}

/** SD is followed by SP then MSG, or ends the frame (optionally with its trailing LF). */
function endsField (b: Buffer, q: number, e: number): boolean {
  return q === e || b[q] === SP || (q === e - 1 && b[q] === LF)
}

/**
 * Returns the end offset of a well-formed STRUCTURED-DATA field starting at `p` in the
 * frame `[p, e)`, or -1 when the bytes there are not one.
 */
export function scanStructuredData (b: Buffer, p: number, e: number): number {
  if (p >= e) return -1
  if (b[p] === DASH) return endsField(b, p + 1, e) ? p + 1 : -1
  let q = p
  if (b[q] !== LBRACKET) return -1
  while (q < e && b[q] === LBRACKET) {
    q = scanName(b, q + 1, e)
    if (q < 0) return -1
    for (;;) {
      if (q >= e) return -1
      const c = b[q]
      if (c === RBRACKET) { q++; break }
      if (c !== SP) return -1
      q = scanName(b, q + 1, e)
      if (q < 0 || q + 1 >= e || b[q] !== EQ || b[q + 1] !== QUOTE) return -1
      q += 2
      for (;;) {
        if (q >= e) return -1
        const v = b[q]
        if (v === BACKSLASH) { q += 2; continue }
        q++
        if (v === QUOTE) break
      }
    }
  }
  return endsField(b, q, e) ? q : -1
}
