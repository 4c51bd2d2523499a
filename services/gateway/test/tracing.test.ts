// OpenTelemetry traces (service-kit tracing.ts): one provision is one trace, from the
// gateway's HTTP server span through the outbox write and the NATS wake-up to the
// allocator's operation and its Platform API calls; and no span carries a secret.
import t, { type Test } from 'tap'
import { startTracing, type Tracing } from '@addonkit/service-kit'
import { subjects } from '@addonkit/contracts'
import { eventually } from '@addonkit/testkit'
import { startStack, type Stack } from './helper.js'

// Installed before any app is built: createBaseApp adds the HTTP server spans only then.
const tracing = (await startTracing({ serviceName: 'addonkit-test', memory: true }))!
t.teardown(() => tracing.shutdown())

type ReadableSpan = ReturnType<Tracing['finishedSpans']>[number]

const SEND = `send ${subjects.operationEnqueued}`
const PLATFORM_CALLS = ['POST /oauth/token', 'PATCH /addons/{addon}/config', 'POST /addons/{addon}/actions/provision']

/** The finished spans of the trace of the provision of `uuid`, once the allocator's operation span (the last to end) ended. */
async function traceOf (uuid: string): Promise<ReadableSpan[]> {
  return eventually(() => {
    const all = tracing.finishedSpans()
    const send = all.find((s) => s.name === SEND && s.attributes['addonkit.addon.uuid'] === uuid)
    if (!send) return false
    const trace = all.filter((s) => s.spanContext().traceId === send.spanContext().traceId)
    return trace.some((s) => s.name === 'POST /addons/{addon}/actions/provision') && trace.some((s) => s.name === 'process provision') && trace
  })
}

const parentOf = (span: ReadableSpan, spans: ReadableSpan[]) => spans.find((p) => p.spanContext().spanId === span.parentSpanContext?.spanId)

/** Every value a span carries: attributes, event attributes, status message, name. */
function spanValues (spans: ReadableSpan[]): string[] {
  return spans.flatMap((s) => [
    s.name, s.status.message ?? '',
    ...Object.values(s.attributes).map(String),
    ...s.events.flatMap((e) => Object.values(e.attributes ?? {}).map(String))
  ])
}

async function secretsOf (s: Stack, r: { uuid: string, request: { body?: unknown } }): Promise<string[]> {
  const body = r.request.body as { oauth_grant?: { code: string }, log_input_url?: string, log_drain_token?: string }
  const addon = await s.heroku.waitForState(r.uuid, 'provisioned')
  const bearer = s.sim.calls.filter((c) => c.path.includes(r.uuid)).map((c) => String(c.headers.authorization ?? '').replace(/^Bearer /, ''))
  const secrets = [
    body.oauth_grant!.code, s.env.ADDON_PASSWORD!, s.env.HEROKU_CLIENT_SECRET!,
    ...Object.values(addon.config), ...bearer,
    ...(body.log_input_url ? [body.log_input_url] : []), ...(body.log_drain_token ? [body.log_drain_token] : [])
  ].filter((v) => v && v.length >= 8)
  return secrets
}

function checkNoSecrets (t: Test, spans: ReadableSpan[], secrets: string[]) {
  t.ok(secrets.length >= 4, `checked against ${secrets.length} secrets (grant code, password, client secret, config values, tokens)`)
  const values = spanValues(spans)
  const leaked = secrets.filter((secret) => values.some((v) => v.includes(secret)))
  t.equal(leaked.length, 0, 'no span value contains a secret')
  t.notOk(values.some((v) => /^(basic|bearer) /i.test(v)), 'no Authorization header value')
}

t.test('a provision is one trace: gateway → outbox + NATS → allocator → Platform API', async (t) => {
  // A zero budget: the 202 is answered at once and the allocator pushes config and
  // finishes through the Platform API, so every call of the path is in the trace.
  const s = await startStack(t, { env: { SYNC_BUDGET_MS: '0' } })
  const r = await s.heroku.provision()
  t.equal(r.status, 202)
  const spans = await traceOf(r.uuid)
  const names = spans.map((s) => s.name)
  t.comment(`spans: ${names.join(', ')}`)

  const server = spans.find((s) => s.name === 'POST /heroku/resources')
  t.ok(server, 'the gateway\'s HTTP server span')
  t.equal(server!.kind, 1 /* SERVER */)
  t.notOk(server!.parentSpanContext, 'the server span is the root (Heroku sends no traceparent)')
  t.equal(server!.attributes['http.route'], '/heroku/resources')
  t.equal(server!.attributes['http.response.status_code'], 202)

  const send = spans.find((s) => s.name === SEND)!
  t.equal(send.kind, 3 /* PRODUCER */)
  t.equal(send.instrumentationScope.name, 'addonkit-gateway')
  let up = parentOf(send, spans)
  while (up && up !== server) up = parentOf(up, spans)
  t.equal(up, server, 'the outbox write and wake-up are inside the server span')

  const process = spans.find((s) => s.name === 'process provision')
  t.ok(process, 'the allocator\'s operation span')
  t.equal(process!.kind, 4 /* CONSUMER */)
  t.equal(process!.instrumentationScope.name, 'addonkit-allocator')
  t.equal(process!.parentSpanContext?.spanId, send.spanContext().spanId, 'its parent is the gateway\'s send span (across NATS)')
  t.equal(process!.attributes['messaging.message.id'], send.attributes['messaging.message.id'], 'the same operation')
  t.comment(`the allocator got the operation by ${String(process!.attributes['addonkit.operation.trigger'])}`)

  for (const name of PLATFORM_CALLS) {
    const call = spans.find((s) => s.name === name)
    t.ok(call, `${name} span`)
    t.equal(call?.kind, 2 /* CLIENT */)
    t.equal(call?.parentSpanContext?.spanId, process!.spanContext().spanId, `${name} is a child of the operation span`)
  }
  t.ok(spans.every((s) => s.spanContext().traceId === server!.spanContext().traceId), 'one trace id')
  t.notOk(spans.some((s) => String(s.attributes['url.path'] ?? '').includes('?')), 'no query string in a span')

  checkNoSecrets(t, tracing.finishedSpans(), await secretsOf(s, r))

  const traceId = server!.spanContext().traceId
  const logged = s.logs.lines.map((l) => { try { return JSON.parse(l) } catch { return {} } })
  t.ok(logged.some((l) => l.trace_id === traceId && typeof l.span_id === 'string'), 'log lines written inside the trace carry its trace_id and span_id')
})

t.test('an operation the allocator finds by sweeping continues the trace stored with its row', async (t) => {
  // No allocator listens when the wake-up goes out: it is lost, and the sweep finds the row.
  const s = await startStack(t, { env: { SYNC_BUDGET_MS: '0' }, allocator: 'none' })
  const r = await s.heroku.provision()
  t.equal(r.status, 202)
  const row = await s.db.prisma.operation.findFirstOrThrow({ where: { instanceUuid: r.uuid, kind: 'provision' } })
  t.match(row.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'the row stores a traceparent')
  await s.startAllocator()
  const spans = await traceOf(r.uuid)
  const send = spans.find((s) => s.name === SEND)!
  const process = spans.find((s) => s.name === 'process provision')!
  t.equal(process.attributes['addonkit.operation.trigger'], 'sweep')
  t.equal(process.parentSpanContext?.spanId, send.spanContext().spanId, 'the parent is the gateway\'s send span, from the row')
  t.equal(row.traceparent, `00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`)
  checkNoSecrets(t, tracing.finishedSpans(), await secretsOf(s, r))
})
