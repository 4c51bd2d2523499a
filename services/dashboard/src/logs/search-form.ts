// The logs search form: its query-string fields as the page echoes them back, and the
// LogSearch they mean. Odd values never fail the request; they fall back to the default and
// the page says so, since a bookmarked or hand-edited URL should still show logs. The
// search itself is the log store's, the data API's: same matching, cursor and retention.
import { decodeCursor, type SearchQuery } from '@addonkit/log-store'

export type LogSource = 'app' | 'heroku'

/** A search of the signed-in add-on's lines; the route adds its tenant and retention. */
export type LogSearch = Omit<SearchQuery, 'tenantId' | 'retentionDays'>

export const RANGES = [
  { id: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { id: '1h', label: 'Last hour', ms: 3600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { id: 'custom', label: 'Custom range (UTC)', ms: 0 }
] as const
export type RangeId = typeof RANGES[number]['id']

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const
export const PAGE_SIZE = 100

/** The fields of the form, as strings (empty = not set). */
export interface SearchFields {
  q: string
  range: RangeId
  from: string
  to: string
  source: '' | LogSource
  proc: string
  status: '' | typeof STATUS_CLASSES[number]
  path: string
}

export interface ParsedSearch { fields: SearchFields, search: LogSearch, problems: string[] }

export type RawSearchQuery = Partial<Record<keyof SearchFields | 'before', string>>

const DATETIME_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/

/** `YYYY-MM-DDTHH:MM` read as UTC (the form says so), or null. */
function parseUtc (s: string): Date | null {
  if (!DATETIME_LOCAL.test(s)) return null
  const d = new Date(`${s}Z`)
  return Number.isNaN(d.getTime()) ? null : d
}

/** A date as the value of a datetime-local input, in UTC. */
export function toDatetimeLocal (d: Date): string {
  return d.toISOString().slice(0, 16)
}

export function parseSearch (raw: RawSearchQuery, now: Date, limit = PAGE_SIZE): ParsedSearch {
  const problems: string[] = []
  const trim = (v: string | undefined) => (v ?? '').trim()
  const range = RANGES.find((r) => r.id === raw.range)?.id ?? '1h'
  const source = raw.source === 'app' || raw.source === 'heroku' ? raw.source : ''
  const status = STATUS_CLASSES.find((c) => c === raw.status) ?? ''
  const fields: SearchFields = { q: trim(raw.q), range, from: trim(raw.from), to: trim(raw.to), source, proc: trim(raw.proc), status, path: trim(raw.path) }

  let from = new Date(now.getTime() - (RANGES.find((r) => r.id === range)!.ms || 3600_000))
  let to = new Date(now.getTime() + 1000) // lines stamped "now" by a dyno a little ahead
  if (range === 'custom') {
    const f = fields.from ? parseUtc(fields.from) : null
    const t = fields.to ? parseUtc(fields.to) : null
    if (fields.from && !f) problems.push('The start of the range is not a date and time; the last hour is shown.')
    if (fields.to && !t) problems.push('The end of the range is not a date and time; it is now.')
    if (f) from = f
    if (t) to = t
    if (from >= to) {
      problems.push('The range ends before it starts; the last hour is shown.')
      from = new Date(now.getTime() - 3600_000)
      to = new Date(now.getTime() + 1000)
    }
    fields.from = toDatetimeLocal(from)
    fields.to = toDatetimeLocal(to)
  }
  let cursor: string | undefined
  if (raw.before) {
    try { decodeCursor(raw.before); cursor = raw.before } catch { problems.push('The link to older lines is not valid; the newest lines are shown.') }
  }
  const statusClass = fields.status ? Number(fields.status[0]) * 100 : 0
  const search: LogSearch = {
    since: from.getTime(),
    until: to.getTime(),
    limit,
    ...(fields.q ? { text: fields.q } : {}),
    ...(fields.source ? { source: fields.source } : {}),
    ...(fields.proc ? { proc: fields.proc } : {}),
    ...(statusClass ? { status: { min: statusClass, max: statusClass + 99 } } : {}),
    // "starts with", which the store spells with a trailing *
    ...(fields.path ? { path: `${fields.path}*` } : {}),
    ...(cursor ? { cursor } : {})
  }
  return { fields, search, problems }
}

/** The query string of the same search, optionally continuing at a cursor. */
export function searchQueryString (f: SearchFields, before?: string): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(f)) if (v && !((k === 'from' || k === 'to') && f.range !== 'custom')) params.set(k, v)
  if (before) params.set('before', before)
  return params.toString()
}
