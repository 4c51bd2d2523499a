// Heroku's webhook deliveries (protocol §21.4): each event matching a subscription becomes one
// delivery, POSTed as JSON with `Heroku-Webhook-Hmac-SHA256`, the subscription's
// `Authorization` and a Heroku-like User-Agent. `notify` makes one attempt; `sync` retries a
// non-2xx answer, a refused connection or a timeout on the retry schedule, with the same
// event and delivery ids and a new attempt id each time. Deliveries to one subscription go
// out in order: a delivery waiting for its retry holds back the later ones, as Heroku says
// its ordered deliveries do. Redirects are not followed. Every attempt is recorded.
import http from 'node:http'
import https from 'node:https'
import { randomUUID } from 'node:crypto'
import type { SimWebhook, SimWebhookAttempt, SimWebhookDelivery } from '../types.js'
import { envelopeBody, type WebhookEvent } from './webhook-events.js'
import { signWebhookBody } from './webhook-signature.js'

export interface DispatcherOptions {
  retryDelaysMs: number[]
  timeoutMs: number
  userAgent: string
}

interface Sleeper { timer: NodeJS.Timeout, wake: () => void }

export class WebhookDispatcher {
  readonly deliveries: SimWebhookDelivery[] = []
  readonly #events = new Map<string, { event: WebhookEvent, webhookId: string }>()
  readonly #queues = new Map<string, Promise<void>>()
  readonly #running = new Set<Promise<void>>()
  readonly #sleepers = new Set<Sleeper>()
  readonly #requests = new Set<http.ClientRequest>()
  #closed = false

  constructor (private readonly opts: DispatcherOptions, private readonly webhook: (id: string) => SimWebhook | undefined) {}

  /** One delivery per subscription, queued behind that subscription's earlier ones. */
  publish (event: WebhookEvent, hooks: SimWebhook[]): SimWebhookDelivery[] {
    return hooks.map((hook) => {
      const now = new Date().toISOString()
      const delivery: SimWebhookDelivery = {
        id: randomUUID(),
        event: { id: event.id, include: event.include },
        webhook: { id: hook.id, level: hook.level },
        status: 'pending',
        num_attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
        attempts: []
      }
      this.deliveries.push(delivery)
      this.#events.set(delivery.id, { event, webhookId: hook.id })
      const run = (this.#queues.get(hook.id) ?? Promise.resolve()).then(() => this.#deliver(delivery, event, hook.id))
      this.#queues.set(hook.id, run)
      this.#running.add(run)
      void run.finally(() => this.#running.delete(run))
      return delivery
    })
  }

  /** One more attempt of a delivery now, outside its queue: a duplicate for the receiver. */
  async redeliver (deliveryId: string): Promise<SimWebhookAttempt | undefined> {
    const delivery = this.deliveries.find((d) => d.id === deliveryId)
    const known = this.#events.get(deliveryId)
    const hook = known && this.webhook(known.webhookId)
    if (!delivery || !known || !hook) return undefined
    const attempt = await this.#attempt(delivery, known.event, hook)
    if (attempt.status === 'succeeded') delivery.status = 'succeeded'
    return attempt
  }

  async idle (): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }

  /** Stops retries and aborts attempts in flight (at the sim's close). */
  close (): void {
    this.#closed = true
    for (const s of this.#sleepers) { clearTimeout(s.timer); s.wake() }
    for (const r of this.#requests) r.destroy()
  }

  async #deliver (delivery: SimWebhookDelivery, event: WebhookEvent, webhookId: string): Promise<void> {
    // The level is read when the delivery starts: a PATCH to `sync` applies to later events too.
    const first = this.webhook(webhookId)
    const attempts = first?.level === 'sync' ? 1 + this.opts.retryDelaysMs.length : 1
    for (let i = 0; i < attempts; i++) {
      // A subscription deleted meanwhile (or a sim closing) gets no further attempts.
      const hook = this.webhook(webhookId)
      if (!hook || this.#closed) break
      const attempt = await this.#attempt(delivery, event, hook)
      if (attempt.status === 'succeeded') {
        delivery.status = 'succeeded'
        delivery.next_attempt_at = null
        return
      }
      if (i + 1 < attempts) {
        const wait = this.opts.retryDelaysMs[i]!
        delivery.status = 'retrying'
        delivery.next_attempt_at = new Date(Date.now() + wait).toISOString()
        await this.#sleep(wait)
      }
    }
    delivery.status = 'failed'
    delivery.next_attempt_at = null
    delivery.updated_at = new Date().toISOString()
  }

  async #attempt (delivery: SimWebhookDelivery, event: WebhookEvent, hook: SimWebhook): Promise<SimWebhookAttempt> {
    const id = randomUUID()
    const body = envelopeBody(event, { attempt: id, delivery: delivery.id, webhook: hook.id })
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      'Heroku-Webhook-Hmac-SHA256': signWebhookBody(hook.secret, body),
      'User-Agent': this.opts.userAgent
    }
    if (hook.authorization !== null) headers.Authorization = hook.authorization
    const created = new Date().toISOString()
    const { code, errorClass } = await this.#post(hook.url, headers, body)
    const attempt: SimWebhookAttempt = {
      id,
      code,
      error_class: errorClass,
      status: code !== null && code >= 200 && code < 300 ? 'succeeded' : 'failed',
      created_at: created,
      body,
      headers
    }
    delivery.attempts.push(attempt)
    delivery.num_attempts++
    delivery.updated_at = new Date().toISOString()
    return attempt
  }

  #post (target: string, headers: Record<string, string>, body: string): Promise<{ code: number | null, errorClass: string | null }> {
    return new Promise((resolve) => {
      let url: URL
      try { url = new URL(target) } catch { resolve({ code: null, errorClass: 'InvalidURL' }); return }
      const transport = url.protocol === 'https:' ? https : http
      const req = transport.request(url, { method: 'POST', headers, agent: false, timeout: this.opts.timeoutMs }, (res) => {
        res.resume()
        res.on('end', () => { this.#requests.delete(req); resolve({ code: res.statusCode ?? null, errorClass: null }) })
        res.on('error', () => { this.#requests.delete(req); resolve({ code: null, errorClass: 'ConnectionError' }) })
      })
      this.#requests.add(req)
      req.on('timeout', () => req.destroy(new TimeoutError()))
      req.on('error', (err) => {
        this.#requests.delete(req)
        resolve({ code: null, errorClass: err instanceof TimeoutError ? 'Timeout' : 'ConnectionError' })
      })
      req.end(body)
    })
  }

  #sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper: Sleeper = { timer: setTimeout(() => { this.#sleepers.delete(sleeper); resolve() }, ms), wake: resolve }
      this.#sleepers.add(sleeper)
    })
  }
}

class TimeoutError extends Error {
  constructor () { super('webhook attempt timed out') }
}
