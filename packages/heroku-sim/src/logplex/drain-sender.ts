// A Logplex-like HTTPS drain sender (protocol §11.1), for tests and the demo: it batches lines
// into octet-counted bodies of up to ~100 KB or 1,024 frames (Logplex's
// http_drain_target_bytes and buffer), gives each batch a Frame-Id (32 upper-case hex) that
// stays the same on every retry, sends Logplex-Msg-Count and Logplex-Drain-Token, Basic
// auth from the drain URL's user:pass, retries 5xx, 429, 3xx, network errors and timeouts
// (3 attempts in all, like Logplex), and drops the batch on any other 4xx. Frames carry no
// STRUCTURED-DATA field, exactly like Logplex's drains. Written without the provider's
// logplex package, so an encoder bug there is not mirrored here.
import http from 'node:http'
import https from 'node:https'
import { randomBytes } from 'node:crypto'

export interface DrainLine {
  message: string
  /** Default: now. A string is sent as is (to test odd timestamps). */
  at?: Date | string
  /** APP-NAME: `app` (default) or `heroku`. */
  appName?: string
  /** PROCID, default `web.1`. */
  procId?: string
  /** Default 190 (app output); router lines use 158. */
  pri?: number
  /** Send the frame without its trailing LF (allowed by octet counting). */
  noTrailingLf?: boolean
}

export interface DrainSenderOptions {
  /** The add-on's log_drain_url, with user:pass when it has them. */
  drainUrl: string
  /** The log_drain_token Heroku gave at provisioning (`d.<uuid>`). */
  drainToken: string
  /** Target body size; default 102,400 bytes. */
  targetBytes?: number
  /** Most frames per body; default 1,024. */
  maxLines?: number
  /** Attempts per batch including the first; default 3 (Logplex). Tests may raise it. */
  maxAttempts?: number
  /** First retry delay; doubles each time. Default 100 ms. */
  baseDelayMs?: number
  /** Per-request timeout; default 5,000 ms (Logplex). */
  timeoutMs?: number
  /** Requests in flight at once; default 1 (Logplex sends one at a time per drain). */
  concurrency?: number
  /** Test only: after a batch is acknowledged, deliver it again this many times (a lost response). */
  duplicateDeliveries?: number
  userAgent?: string
  /** Certificates to trust for an https drain (PEM), e.g. the local platform's self-signed one. */
  ca?: string
}

export interface DrainSenderCounters {
  /** HTTP requests made (first attempts, retries and duplicates). */
  sent: number
  /** Batches answered 2xx, and their lines. */
  acknowledged: number
  acknowledgedLines: number
  /** Batches given up (a 4xx, or every attempt failed), and their lines. */
  dropped: number
  droppedLines: number
  /** Attempts after a failed one. */
  retried: number
  /** Extra deliveries of acknowledged batches (duplicateDeliveries). */
  duplicated: number
}

export interface DrainBatchRecord { frameId: string, lines: number, bytes: number, statuses: number[], outcome: 'pending' | 'acknowledged' | 'dropped' }

export interface DrainSender {
  /** Queues lines; bodies are cut and sent in the background. */
  push (lines: DrainLine | DrainLine[]): void
  /** Sends everything queued and waits until each batch is acknowledged or dropped. */
  flush (): Promise<void>
  readonly counters: DrainSenderCounters
  readonly batches: DrainBatchRecord[]
  close (): void
}

/**
 * A Date as Logplex stamps drain frames (§11.1): RFC 3339 in UTC with microsecond precision,
 * `2014-08-04T18:28:43.078581+00:00`. A Date holds milliseconds, so the last three digits
 * are zeros (deterministic: the same Date always gives the same stamp).
 */
export function drainTimestamp (at: Date): string {
  const iso = at.toISOString()
  // toISOString: YYYY-MM-DDTHH:mm:ss.sssZ (or ±YYYYYY-… beyond year 9999); keep what precedes Z.
  return `${iso.slice(0, -1)}000+00:00`
}

/** `<len> <PRI>1 TS host APP PROC - MSG\n`, the length in UTF-8 bytes including the LF. */
export function encodeDrainFrame (l: DrainLine): Buffer {
  const ts = typeof l.at === 'string' ? l.at : drainTimestamp(l.at ?? new Date())
  const payload = Buffer.from(`<${l.pri ?? 190}>1 ${ts} host ${l.appName ?? 'app'} ${l.procId ?? 'web.1'} - ${l.message}${l.noTrailingLf ? '' : '\n'}`, 'utf8')
  return Buffer.concat([Buffer.from(`${payload.length} `, 'latin1'), payload])
}

export function createDrainSender (opts: DrainSenderOptions): DrainSender {
  const url = new URL(opts.drainUrl)
  const auth = url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : undefined
  const transport = url.protocol === 'https:' ? https : http
  const agent = url.protocol === 'https:'
    ? new https.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 1, ...(opts.ca ? { ca: opts.ca } : {}) })
    : new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 1 })
  const target = opts.targetBytes ?? 102_400
  const maxLines = opts.maxLines ?? 1024
  const maxAttempts = opts.maxAttempts ?? 3
  const baseDelay = opts.baseDelayMs ?? 100
  const timeoutMs = opts.timeoutMs ?? 5000
  const concurrency = opts.concurrency ?? 1
  const counters: DrainSenderCounters = { sent: 0, acknowledged: 0, acknowledgedLines: 0, dropped: 0, droppedLines: 0, retried: 0, duplicated: 0 }
  const batches: DrainBatchRecord[] = []
  const ready: Array<{ body: Buffer, count: number, record: DrainBatchRecord }> = []
  let frames: Buffer[] = []
  let size = 0
  let active = 0
  let idle: Array<() => void> = []

  function cut () {
    if (frames.length === 0) return
    const body = Buffer.concat(frames, size)
    const record: DrainBatchRecord = { frameId: randomBytes(16).toString('hex').toUpperCase(), lines: frames.length, bytes: body.length, statuses: [], outcome: 'pending' }
    batches.push(record)
    ready.push({ body, count: frames.length, record })
    frames = []
    size = 0
    pump()
  }

  function request (body: Buffer, count: number, frameId: string): Promise<number> {
    counters.sent++
    return new Promise((resolve) => {
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/logplex-1',
        'Content-Length': body.length,
        'Logplex-Msg-Count': count,
        'Logplex-Frame-Id': frameId,
        'Logplex-Drain-Token': opts.drainToken,
        'User-Agent': opts.userAgent ?? 'Logplex/v123'
      }
      if (auth) headers.Authorization = auth
      const req = transport.request({ method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers, agent, timeout: timeoutMs }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', () => resolve(0))
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve(0))
      req.end(body)
    })
  }

  async function deliver (b: { body: Buffer, count: number, record: DrainBatchRecord }) {
    for (let attempt = 1; ; attempt++) {
      const status = await request(b.body, b.count, b.record.frameId)
      b.record.statuses.push(status)
      if (status >= 200 && status < 300) {
        b.record.outcome = 'acknowledged'
        counters.acknowledged++
        counters.acknowledgedLines += b.count
        for (let i = 0; i < (opts.duplicateDeliveries ?? 0); i++) { counters.duplicated++; b.record.statuses.push(await request(b.body, b.count, b.record.frameId)) }
        return
      }
      // Logplex: any 4xx but 429 is permanent; everything else is retried (protocol §11.1).
      const permanent = status >= 400 && status < 500 && status !== 429
      if (permanent || attempt >= maxAttempts) {
        b.record.outcome = 'dropped'
        counters.dropped++
        counters.droppedLines += b.count
        return
      }
      counters.retried++
      await new Promise((resolve) => setTimeout(resolve, Math.min(baseDelay * 2 ** (attempt - 1), 5000)))
    }
  }

  function pump () {
    while (active < concurrency && ready.length > 0) {
      const b = ready.shift()!
      active++
      void deliver(b).finally(() => {
        active--
        pump()
        if (active === 0 && ready.length === 0) { const w = idle; idle = []; for (const f of w) f() }
      })
    }
  }

  return {
    counters,
    batches,
    push (lines) {
      for (const l of Array.isArray(lines) ? lines : [lines]) {
        const f = encodeDrainFrame(l)
        if (frames.length > 0 && (size + f.length > target || frames.length >= maxLines)) cut()
        frames.push(f)
        size += f.length
      }
    },
    async flush () {
      cut()
      if (active === 0 && ready.length === 0) return
      await new Promise<void>((resolve) => idle.push(resolve))
    },
    close () { agent.destroy() }
  }
}
