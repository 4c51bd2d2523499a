// Reads an add-on's stored log lines the way its app does: through the data API
// (<PREFIX>_URL, credentials in the URL), every page, newest first. The chaos suite and the
// replicas test count lines with it, so they check what a customer sees.
import https from 'node:https'
import http from 'node:http'

interface Page { lines: Array<{ message: string }>, next_cursor: string | null }

function getJson (url: URL, auth: string, ca?: string): Promise<{ status: number, body: unknown }> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http
    const req = lib.get(url, { headers: { authorization: auth, accept: 'application/json' }, timeout: 15_000, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        try { resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }) } catch { resolve({ status: res.statusCode ?? 0, body: text }) }
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('the data API did not answer within 15 s')))
    req.on('error', reject)
  })
}

/** Every stored message of the add-on within its retention, newest first. Throws on any answer but 200. */
export async function readAllMessages (addonUrl: string, opts: { ca?: string, pageSize?: number } = {}): Promise<string[]> {
  const base = new URL(addonUrl)
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`
  base.username = ''
  base.password = ''
  const out: string[] = []
  let cursor: string | null = null
  do {
    const url = new URL(`${base.pathname.replace(/\/$/, '')}/logs`, base)
    url.searchParams.set('limit', String(opts.pageSize ?? 1000))
    if (cursor) url.searchParams.set('cursor', cursor)
    const res = await getJson(url, auth, opts.ca)
    if (res.status !== 200) throw new Error(`data API answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`)
    const page = res.body as Page
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
