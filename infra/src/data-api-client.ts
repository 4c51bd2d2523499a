// HTTP as an app and Logplex speak it to the platform, for the chaos suite and the replicas
// test: one request helper (credentials in the URL become Basic auth; a deadline; a private
// CA for the drain's TLS; never throws on a network error), and the data API read the way
// an app reads it (<PREFIX>_URL, every page, newest first), so they check what a customer sees.
import https from 'node:https'
import http from 'node:http'

export interface RequestOptions {
  method?: string
  headers?: Record<string, string | number>
  body?: string
  ca?: string
  timeoutMs?: number
}

/** One request; resolves the status (0 when no answer came) and the body as text. */
export function request (url: string, o: RequestOptions = {}): Promise<{ status: number, text: string }> {
  return new Promise((resolve) => {
    const u = new URL(url)
    const headers: Record<string, string | number> = { ...o.headers }
    if (u.username && !headers.authorization) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
    u.username = ''
    u.password = ''
    const lib = u.protocol === 'https:' ? https : http
    const req = lib.request(u, { method: o.method ?? 'GET', headers, timeout: o.timeoutMs ?? 15_000, ...(o.ca ? { ca: o.ca } : {}) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', () => resolve({ status: 0, text: '' }))
    })
    req.on('timeout', () => { req.destroy(); resolve({ status: 0, text: '' }) })
    req.on('error', () => resolve({ status: 0, text: '' }))
    req.end(o.body)
  })
}

interface Page { lines: Array<{ message: string }>, next_cursor: string | null }

/** Every stored message of the add-on within its retention, newest first. Throws on any answer but 200. */
export async function readAllMessages (addonUrl: string, opts: { ca?: string, pageSize?: number } = {}): Promise<string[]> {
  const base = addonUrl.replace(/\/$/, '')
  const out: string[] = []
  let cursor: string | null = null
  do {
    const qs = new URLSearchParams({ limit: String(opts.pageSize ?? 1000), ...(cursor ? { cursor } : {}) })
    const res = await request(`${base}/logs?${qs}`, { headers: { accept: 'application/json' }, ...(opts.ca ? { ca: opts.ca } : {}) })
    if (res.status !== 200) throw new Error(`data API answered ${res.status}: ${res.text.slice(0, 200)}`)
    const page = JSON.parse(res.text) as Page
    for (const l of page.lines) out.push(l.message)
    cursor = page.next_cursor
  } while (cursor)
  return out
}

/** How many lines the add-on has stored, and how many distinct messages. */
export async function countMessages (addonUrl: string, opts: { ca?: string } = {}): Promise<{ total: number, distinct: number }> {
  const all = await readAllMessages(addonUrl, opts)
  return { total: all.length, distinct: new Set(all).size }
}
