// The Logplex HTTPS drain (protocol §11.1, §18 item 19), when the add-on requires
// syslog_drain: bodies exactly as Logplex frames them (octet counting, no structured
// data), its headers, its retries with the same Frame-Id, and what it does with each
// status: 2xx delivered, 4xx dropped for good, 5xx and 429 retried.
import { randomBytes } from 'node:crypto'
import { type CheckContext, answered, is2xx, skip, step, verdict } from '../check-context.js'
import { exchange, type RawAnswer } from '../exchange.js'

const RULES = ['drain.accepts', 'drain.frame-id-retry', 'drain.odd-frames', 'drain.content-type-params', 'drain.count-mismatch', 'drain.wrong-type', 'drain.unknown-token'] as const

/** The reference's §11.1 example body: four frames, 590 bytes. */
export const REFERENCE_DRAIN_BODY = [
  '251 <158>1 2024-05-01T12:00:00.123456+00:00 host heroku router - at=info method=GET path="/" host=myapp.herokuapp.com request_id=2b3f7a0e-1c1d-4d0e-9a53-6c8f7f0b1e11 fwd="203.0.113.5" dyno=web.1 connect=0ms service=3ms status=200 bytes=512 protocol=https\n',
  '89 <190>1 2024-05-01T12:00:00.120000+00:00 host app web.1 - Started GET "/" for 203.0.113.5\n',
  '93 <45>1 2024-05-01T11:59:58.000000+00:00 host heroku web.1 - State changed from starting to up\n',
  '143 <172>1 2024-05-01T12:00:05+00:00 host heroku logplex - Error L10 (output buffer overflow): 4 messages dropped since 2024-05-01T11:59:00+00:00.\n'
].join('')

function frame (pri: number, ts: string, app: string, proc: string, msg: string, trailingLf = true): Buffer {
  const payload = Buffer.from(`<${pri}>1 ${ts} host ${app} ${proc} - ${msg}${trailingLf ? '\n' : ''}`, 'utf8')
  return Buffer.concat([Buffer.from(`${payload.length} `), payload])
}

/** Frames a line-splitting parser gets wrong: no trailing LF, multi-byte UTF-8, an embedded LF, a 10,000-byte chunk. */
export function oddFramesBody (): { body: Buffer, count: number } {
  const now = new Date().toISOString().replace('Z', '+00:00')
  const frames = [
    frame(190, now, 'app', 'web.1', 'multi-byte: é 日本語 🚀 — counted in bytes'),
    frame(190, now, 'app', 'web.2', 'first line\nsecond line inside the same frame'),
    frame(190, now.replace(/\.\d+/, ''), 'app', 'worker.1', 'second-precision timestamp'),
    frame(134, now, 'heroku', 'web.1', 'source=web.1 dyno=heroku.1 sample#load_avg_1m=0.01 sample#memory_total=100.00MB'),
    frame(190, now, 'app', 'web.1', 'x'.repeat(10_000)),
    frame(190, now, 'app', 'run.1234', 'last frame without a trailing LF', false)
  ]
  return { body: Buffer.concat(frames), count: frames.length }
}

const frameId = () => randomBytes(16).toString('hex').toUpperCase()

export async function drainChecks (ctx: CheckContext): Promise<void> {
  const primary = ctx.primary
  const drainUrl = primary?.answer.body?.log_drain_url
  const token = primary?.request.body?.log_drain_token
  const why = !ctx.requires.includes('syslog_drain') ? 'the manifest does not require syslog_drain'
    : !primary ? 'needs a provisioned add-on, and provision.accepted failed'
      : typeof drainUrl !== 'string' ? 'the first add-on\'s answer had no log_drain_url (Heroku creates drains only from synchronous answers)'
        : !/^https?:/.test(drainUrl) ? `only HTTP(S) drains are checked, not ${drainUrl.split(':')[0]}://` : undefined
  if (why || typeof drainUrl !== 'string' || typeof token !== 'string') { for (const id of RULES) skip(ctx, id, why ?? 'no drain token'); return }

  const post = (body: Buffer | string, o: { count?: number | string, id?: string, type?: string, drainToken?: string } = {}): Promise<RawAnswer> => exchange({
    ca: ctx.ca,
    method: 'POST',
    url: drainUrl,
    headers: {
      'Content-Type': o.type ?? 'application/logplex-1',
      'Logplex-Msg-Count': String(o.count ?? 4),
      'Logplex-Frame-Id': o.id ?? frameId(),
      'Logplex-Drain-Token': o.drainToken ?? token,
      'User-Agent': 'Logplex/v123'
    },
    body,
    timeoutMs: 5000 // Logplex's request timeout
  })
  const accepted = (id: string, label: string) => (r: RawAnswer) => verdict(ctx, id, is2xx(r.status) ? undefined : `${label} was ${answered(r)}${r.status >= 400 && r.status < 500 ? ': Logplex drops the batch for good' : ''}`, [r.exchange])

  const retryId = frameId()
  await step(ctx, 'drain.accepts', async () => accepted('drain.accepts', 'the reference\'s 4-frame body')(await post(REFERENCE_DRAIN_BODY, { id: retryId })))
  await step(ctx, 'drain.frame-id-retry', async () => accepted('drain.frame-id-retry', 'a retry with the same Logplex-Frame-Id')(await post(REFERENCE_DRAIN_BODY, { id: retryId })))
  await step(ctx, 'drain.odd-frames', async () => {
    const { body, count } = oddFramesBody()
    accepted('drain.odd-frames', `a body of ${count} unusual but valid frames`)(await post(body, { count }))
  })
  await step(ctx, 'drain.content-type-params', async () => accepted('drain.content-type-params', 'application/logplex-1; charset=utf-8')(await post(REFERENCE_DRAIN_BODY, { type: 'application/logplex-1; charset=utf-8' })))
  await step(ctx, 'drain.count-mismatch', async () => {
    const r = await post(REFERENCE_DRAIN_BODY, { count: 5 })
    verdict(ctx, 'drain.count-mismatch', r.status >= 500 || r.status === 0 ? `${answered(r)}: Logplex retries a batch that can never succeed` : undefined, [r.exchange], `${r.status}`)
  })
  await step(ctx, 'drain.wrong-type', async () => {
    const r = await post('not logplex frames', { type: 'text/plain', count: 1 })
    verdict(ctx, 'drain.wrong-type', r.status >= 400 && r.status < 500 ? undefined : `a text/plain body was ${answered(r)}`, [r.exchange], r.status === 415 ? undefined : `${r.status} (415 says it best)`)
  })
  await step(ctx, 'drain.unknown-token', async () => {
    const r = await post(REFERENCE_DRAIN_BODY, { drainToken: `d.${crypto.randomUUID()}` })
    verdict(ctx, 'drain.unknown-token', is2xx(r.status) || r.status === 401 || r.status === 403 ? undefined : `${answered(r)} to an unknown drain token`, [r.exchange], `${r.status}`)
  })
}
