// Heroku router lines (`heroku router`, PRI 158): space-separated `key=value` pairs whose
// values may be double-quoted (`path="/a b"`, `desc="Request timeout"`). On errors such
// as H10 the router leaves `dyno=`, `connect=`, `service=` and `bytes=` empty.
import type { LogFrame } from './parse-frames.js'

export interface RouterLine {
  method: string
  path: string
  host: string
  status: number
  /** `connect=` in ms; null when the router left it empty (no dyno was reached). */
  connectMs: number | null
  /** `service=` in ms; null when empty. */
  serviceMs: number | null
  /** `bytes=`; null when empty. */
  bytes: number | null
  /** `dyno=`; '' when empty or absent. */
  dyno: string
  /** `request_id=`; '' when absent (older lines). */
  requestId: string
  fwd?: string
  protocol?: string
  /** `info`, `error`, … */
  at?: string
  /** Heroku error code on `at=error` lines (`H12`). */
  code?: string
  desc?: string
}

/**
 * The decimal number in `s[from, to)`, optionally followed by `suffix` (`ms`); null when
 * the range is absent (from < 0), empty, or holds anything else.
 */
function numberIn (s: string, from: number, to: number, suffix: string): number | null {
  if (from < 0) return null
  if (suffix !== '' && to - from > suffix.length && s.startsWith(suffix, to - suffix.length)) to -= suffix.length
  if (to === from || to - from > 15) return null
  let n = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 0x30
    if (c < 0 || c > 9) return null
    n = n * 10 + c
  }
  return n
}

/** `s` holds `key` at `at` (a plain loop: V8 inlines it, unlike String#startsWith). */
function keyIs (s: string, at: number, key: string): boolean {
  for (let i = 0; i < key.length; i++) if (s.charCodeAt(at + i) !== key.charCodeAt(i)) return false
  return true
}

/**
 * Reads the fields of a router line. Returns null when the message is not one: method,
 * path, host and a numeric status are required, and a quoted value must be closed.
 * A quoted value ends at the first `"` followed by a space or the end of the line, so a
 * quote inside a path does not cut it short; values are not unescaped. Unknown keys and
 * bare words are skipped.
 */
export function parseRouterLine (message: string): RouterLine | null {
  let at: string | undefined, method: string | undefined, path: string | undefined, host: string | undefined
  let fwd: string | undefined, protocol: string | undefined, code: string | undefined, desc: string | undefined
  let requestId = ''
  let dyno = ''
  // Numeric fields stay ranges of the message, read without slicing.
  let connectS = -1, connectE = -1, serviceS = -1, serviceE = -1, statusS = -1, statusE = -1, bytesS = -1, bytesE = -1
  const n = message.length
  let i = 0
  while (i < n) {
    if (message.charCodeAt(i) === 0x20) { i++; continue }
    const k = i
    let eq = -1
    for (; i < n; i++) {
      const c = message.charCodeAt(i)
      if (c === 0x20) break
      if (c === 0x3d) { eq = i; break }
    }
    if (eq < 0) continue // a bare word, not key=value
    let vs = eq + 1
    let ve: number
    if (message.charCodeAt(vs) === 0x22) {
      let q = vs
      for (;;) {
        q = message.indexOf('"', q + 1)
        if (q < 0) return null
        if (q + 1 === n || message.charCodeAt(q + 1) === 0x20) break
      }
      vs++
      ve = q
      i = q + 1
    } else {
      ve = message.indexOf(' ', vs)
      if (ve < 0) ve = n
      i = ve
    }
    // The key is recognised by its length and first letter, then confirmed in place.
    switch (eq - k) {
      case 2:
        if (keyIs(message, k, 'at')) at = message.slice(vs, ve)
        break
      case 3:
        if (keyIs(message, k, 'fwd')) fwd = message.slice(vs, ve)
        break
      case 4: {
        const c = message.charCodeAt(k)
        if (c === 0x70) { if (keyIs(message, k, 'path')) path = message.slice(vs, ve) } else if (c === 0x68) { if (keyIs(message, k, 'host')) host = message.slice(vs, ve) } else if (c === 0x64) {
          if (keyIs(message, k, 'dyno')) dyno = message.slice(vs, ve)
          else if (keyIs(message, k, 'desc')) desc = message.slice(vs, ve)
        } else if (c === 0x63) { if (keyIs(message, k, 'code')) code = message.slice(vs, ve) }
        break
      }
      case 5:
        if (keyIs(message, k, 'bytes')) { bytesS = vs; bytesE = ve }
        break
      case 6:
        if (keyIs(message, k, 'method')) method = message.slice(vs, ve)
        else if (keyIs(message, k, 'status')) { statusS = vs; statusE = ve }
        break
      case 7:
        if (keyIs(message, k, 'connect')) { connectS = vs; connectE = ve } else if (keyIs(message, k, 'service')) { serviceS = vs; serviceE = ve }
        break
      case 8:
        if (keyIs(message, k, 'protocol')) protocol = message.slice(vs, ve)
        break
      case 10:
        if (keyIs(message, k, 'request_id')) requestId = message.slice(vs, ve)
        break
    }
  }
  const status = numberIn(message, statusS, statusE, '')
  if (method === undefined || path === undefined || host === undefined || status === null) return null
  const line: RouterLine = {
    method,
    path,
    host,
    status,
    connectMs: numberIn(message, connectS, connectE, 'ms'),
    serviceMs: numberIn(message, serviceS, serviceE, 'ms'),
    bytes: numberIn(message, bytesS, bytesE, ''),
    dyno,
    requestId
  }
  if (fwd !== undefined) line.fwd = fwd
  if (protocol !== undefined) line.protocol = protocol
  if (at !== undefined) line.at = at
  if (code !== undefined) line.code = code
  if (desc !== undefined) line.desc = desc
  return line
}

/** A frame from the Heroku router (APP-NAME `heroku`, PROCID `router`). */
export function isRouterFrame (f: LogFrame): boolean {
  return f.appName === 'heroku' && f.procId === 'router'
}
