// RFC 3339 timestamps read straight from the bytes of a frame (protocol §11.1: second or
// microsecond precision, numeric offset or Z). `Date.parse` would need a string and
// accepts far more than RFC 3339; this reads the fixed layout and does the calendar maths
// itself, caching the day number because a batch's frames share their date.

/** Where the last {@link readRfc3339} stopped (one past the timestamp). */
export const rfc3339Cursor = { end: 0 }

let cachedDateKey = -1
let cachedDays = 0

/** Two ASCII digits at i, i+1 as a number, or -1. The caller has checked the bounds. */
function twoDigits (b: Buffer, i: number): number {
  const hi = b[i]! - 0x30
  const lo = b[i + 1]! - 0x30
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1
}

/** Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
function daysFromCivil (y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function daysInMonth (y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/**
 * Reads an RFC 3339 date-time starting at `s`, not past `limit`:
 * `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `T`/`Z` in either case, fractions beyond
 * milliseconds truncated, a leap second (`:60`) read as the next second. Returns
 * milliseconds since the epoch and sets `rfc3339Cursor.end`, or NaN when the bytes are
 * not one.
 */
export function readRfc3339 (b: Buffer, s: number, limit: number): number {
  if (limit - s < 20) return NaN
  const y1 = twoDigits(b, s)
  const y2 = twoDigits(b, s + 2)
  const mo = twoDigits(b, s + 5)
  const d = twoDigits(b, s + 8)
  const h = twoDigits(b, s + 11)
  const mi = twoDigits(b, s + 14)
  const sec = twoDigits(b, s + 17)
  if ((y1 | y2 | mo | d | h | mi | sec) < 0 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d ||
    (b[s + 10]! | 0x20) !== 0x74 || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a) return NaN
  if (h > 23 || mi > 59 || sec > 60) return NaN
  const y = y1 * 100 + y2
  const dateKey = (y * 100 + mo) * 100 + d
  let days: number
  if (dateKey === cachedDateKey) {
    days = cachedDays
  } else {
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN
    days = daysFromCivil(y, mo, d)
    cachedDateKey = dateKey
    cachedDays = days
  }
  let p = s + 19
  let ms = 0
  if (b[p] === 0x2e) {
    p++
    const fracStart = p
    while (p < limit) {
      const c = b[p]! - 0x30
      if (c < 0 || c > 9) break
      if (p - fracStart < 3) ms = ms * 10 + c
      p++
    }
    const digits = p - fracStart
    if (digits === 0) return NaN
    if (digits === 1) ms *= 100
    else if (digits === 2) ms *= 10
  }
  if (p >= limit) return NaN
  let offsetMin = 0
  const z = b[p]
  if (z === 0x5a || z === 0x7a) {
    p++
  } else if (z === 0x2b || z === 0x2d) {
    if (limit - p < 6 || b[p + 3] !== 0x3a) return NaN
    const oh = twoDigits(b, p + 1)
    const om = twoDigits(b, p + 4)
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN
    offsetMin = z === 0x2d ? -(oh * 60 + om) : oh * 60 + om
    p += 6
  } else {
    return NaN
  }
  rfc3339Cursor.end = p
  return ((days * 24 + h) * 60 + mi - offsetMin) * 60000 + sec * 1000 + ms
}

/** Milliseconds since the epoch of the RFC 3339 date-time that is exactly `b[s, e)`, or NaN. */
export function parseRfc3339 (b: Buffer, s: number, e: number): number {
  const ms = readRfc3339(b, s, e)
  return ms === ms && rfc3339Cursor.end === e ? ms : NaN
}
