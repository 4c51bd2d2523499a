// Opaque search cursors: the (ts, seq) of the last line returned, base64url-encoded. The
// search continues strictly below that pair, which the (tenant_id, ts, seq)
// index, walked backwards, serves directly, so every page costs the same however deep it is.
import { BadCursorError } from './log-store.js'

export interface CursorPosition { ts: number, seq: string }

export function encodeCursor (p: CursorPosition): string {
  return Buffer.from(`v1:${p.ts}:${p.seq}`).toString('base64url')
}

export function decodeCursor (cursor: string): CursorPosition {
  const m = /^v1:(\d{1,15}):(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'))
  if (!m) throw new BadCursorError()
  return { ts: Number(m[1]), seq: m[2]! }
}
