// Logplex's L10 notice: when a drain's buffer overflows, Logplex itself (`heroku logplex`,
// PRI 172) inserts `Error L10 (output buffer overflow): N messages dropped since TS.`
// (protocol §11.1). The count tells how many lines never reached the drain.
import type { LogFrame } from './parse-frames.js'

export interface L10Notice {
  /** Lines Logplex dropped. */
  dropped: number
  /** Start of the dropping period, as written by Logplex (RFC 3339). */
  since: string
}

const L10 = /^Error L10 \(output buffer overflow\): (\d{1,15}) messages? dropped since (\S+?)\.?$/

/** Reads an L10 notice; null for any other frame (including an app printing the same text). */
export function parseL10 (f: LogFrame): L10Notice | null {
  if (f.appName !== 'heroku' || f.procId !== 'logplex') return null
  return parseL10Message(f.message)
}

/** Reads the MSG of a `heroku logplex` frame as an L10 notice; null for any other text. */
export function parseL10Message (message: string): L10Notice | null {
  const m = L10.exec(message)
  if (m === null) return null
  return { dropped: Number(m[1]), since: m[2]! }
}
