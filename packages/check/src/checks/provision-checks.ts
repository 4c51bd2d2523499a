// Provisioning (protocol §4, §18 items 2–6): the first add-on, what its answer holds, replays,
// concurrent duplicates, a second uuid, conflicting replays and refusals.
import { provisionAnswerProblem, type SimManifest } from '@addonkit/heroku-sim'
import { type CheckContext, answered, hasMessage, is2xx, isObject, provision, send, skip, step, verdict, waitFor } from '../check-context.js'
import { fromDriver } from '../exchange.js'

export const NO_SUCH_PLAN = 'addonkit-check-no-such-plan'
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

export async function provisionPrimary (ctx: CheckContext): Promise<void> {
  const plan = ctx.plans[0]!
  const p = await provision(ctx, { plan, extra: { addonkit_check_unknown_field: { nested: ['extra fields are valid', 3] } } })
  const problem = !is2xx(p.status)
    ? `${answered(p)} to a valid provision of plan ${plan}${p.body?.message ? `: ${p.body.message}` : ''}`
    : !isObject(p.body) ? 'the answer is not a JSON object'
      : typeof p.body.id !== 'string' || p.body.id === '' ? 'the answer has no non-empty string "id"' : undefined
  if (verdict(ctx, 'provision.accepted', problem, [p.ex], `${p.status} in ${Math.round(p.elapsedMs)} ms`)) {
    ctx.primary = { uuid: p.uuid, request: p.request, answer: p, exchange: p.ex }
  }
}

export async function provisionChecks (ctx: CheckContext): Promise<void> {
  const primary = ctx.primary
  const needs = 'needs a provisioned add-on, and provision.accepted failed'
  if (!primary) {
    for (const id of ['provision.answer', 'provision.config-urls', 'provision.drain-url', 'provision.grant-exchanged', 'provision.replay', 'provision.replay-body', 'provision.distinct', 'provision.conflicting-replay']) skip(ctx, id, needs)
  } else {
    const a = primary.answer
    const sync = a.status !== 202
    await step(ctx, 'provision.answer', async () => {
      verdict(ctx, 'provision.answer', provisionAnswerProblem(a.body, ctx.manifest as unknown as SimManifest), [primary.exchange])
    })
    await step(ctx, 'provision.config-urls', async () => {
      const config = isObject(a.body?.config) ? a.body.config as Record<string, unknown> : {}
      const urls = Object.entries(config).filter(([k]) => k.endsWith('_URL'))
      if (urls.length === 0) return skip(ctx, 'provision.config-urls', sync ? 'the answer has no *_URL config var' : 'an asynchronous answer carries no config')
      for (const [k, v] of urls) {
        let u: URL | undefined
        try { u = new URL(String(v)) } catch {}
        if (!u || !u.protocol || !u.host) return verdict(ctx, 'provision.config-urls', `${k} is not an absolute URL with a scheme and a host`, [primary.exchange])
        if (ctx.production && LOOPBACK.has(u.hostname)) return verdict(ctx, 'provision.config-urls', `${k} points at ${u.hostname} in production`, [primary.exchange])
      }
      verdict(ctx, 'provision.config-urls', undefined)
    })
    await step(ctx, 'provision.drain-url', async () => {
      if (!ctx.requires.includes('syslog_drain')) return skip(ctx, 'provision.drain-url', 'the manifest does not require syslog_drain')
      if (!sync) return skip(ctx, 'provision.drain-url', 'the answer was asynchronous (202): Heroku creates drains only from synchronous answers')
      const url = a.body?.log_drain_url
      if (typeof url !== 'string') return verdict(ctx, 'provision.drain-url', 'no log_drain_url although the manifest requires syslog_drain', [primary.exchange])
      if (/^(https|syslog):\/\/\S+$/.test(url)) return verdict(ctx, 'provision.drain-url', undefined)
      const u = safeUrl(url)
      if (!ctx.production && u?.protocol === 'http:' && LOOPBACK.has(u.hostname)) {
        return verdict(ctx, 'provision.drain-url', undefined, [], 'http:// on a loopback address, accepted for local testing only')
      }
      verdict(ctx, 'provision.drain-url', `log_drain_url ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))} does not match ^(https|syslog)://`, [primary.exchange])
    })
    await step(ctx, 'provision.grant-exchanged', async () => {
      if (!sync) return skip(ctx, 'provision.grant-exchanged', 'judged by async.grant-exchanged for an asynchronous answer')
      const code = (primary.request.body?.oauth_grant as { code?: string } | undefined)?.code
      const seen = await waitFor(() => grantExchange(ctx, code), 10_000)
      verdict(ctx, 'provision.grant-exchanged', seen ? undefined : 'no POST /oauth/token with the grant code within 10 s of the answer: without the tokens the add-on cannot rotate credentials or change config later')
    })
    await step(ctx, 'provision.replay', async () => {
      const r = await send(ctx, primary.request)
      const same = r.res.status === a.status && r.res.body?.id === a.body?.id
      verdict(ctx, 'provision.replay', same ? undefined : `the first answer was ${a.status} with id ${JSON.stringify(a.body?.id)}, the replay ${answered(r.res)} with id ${JSON.stringify(r.res.body?.id)}`, [primary.exchange, r.ex])
      if (same) {
        const sameBody = JSON.stringify(r.res.body) === JSON.stringify(a.body)
        verdict(ctx, 'provision.replay-body', sameBody ? undefined : 'the replay\'s body differs from the first answer\'s', [primary.exchange, r.ex])
      } else skip(ctx, 'provision.replay-body', 'provision.replay failed')
    })
  }

  await step(ctx, 'provision.concurrent', async () => {
    const uuid = crypto.randomUUID()
    const first = await ctx.side.registerAddon(uuid, { plan: ctx.plans[0] })
    const body: Record<string, unknown> = {
      uuid,
      name: first.name,
      plan: ctx.plans[0],
      region: 'amazon-web-services::us-east-1',
      callback_url: `${ctx.side.apiUrl}/addons/${uuid}`,
      oauth_grant: await ctx.side.issueGrant(uuid),
      options: {}
    }
    if (ctx.requires.includes('log_input')) body.log_input_url = await ctx.side.logInputUrl(uuid)
    if (ctx.requires.includes('syslog_drain')) body.log_drain_token = first.logDrainToken
    const req = ctx.heroku.request('POST', undefined, body)
    const all = await Promise.all(Array.from({ length: 20 }, () => send(ctx, req)))
    if (all.some((r) => is2xx(r.res.status))) ctx.created.add(uuid)
    const statuses = all.map((r) => r.res.status)
    const ids = new Set(all.map((r) => r.res.body?.id))
    const bad = all.find((r) => !is2xx(r.res.status))
    const problem = bad ? `${statuses.filter((s) => !is2xx(s)).length} of 20 identical requests were not answered 2xx (statuses: ${summarizeStatuses(statuses)})`
      : new Set(statuses).size > 1 ? `the 20 answers have different statuses: ${summarizeStatuses(statuses)}`
        : ids.size !== 1 ? `the 20 answers carry ${ids.size} different ids` : undefined
    verdict(ctx, 'provision.concurrent', problem, bad ? [bad.ex] : [all[0]!.ex], `20 × ${statuses[0]}, one id`)
    // provision.distinct: this uuid's id against the first add-on's.
    if (!ctx.primary) return skip(ctx, 'provision.distinct', needs)
    if (!is2xx(statuses[0]!) || ids.size !== 1) return skip(ctx, 'provision.distinct', 'provision.concurrent gave no single id to compare')
    const other = [...ids][0]
    verdict(ctx, 'provision.distinct', other !== ctx.primary.answer.body?.id ? undefined : `two uuids got the same id ${JSON.stringify(other)}`, [ctx.primary.exchange, all[0]!.ex])
  })
  if (!ctx.primary && !ctx.results.some((r) => r.rule.id === 'provision.distinct')) skip(ctx, 'provision.distinct', needs)

  if (ctx.primary) {
    const primary = ctx.primary
    await step(ctx, 'provision.conflicting-replay', async () => {
      const otherPlan = ctx.plans.find((p) => p !== primary.request.body?.plan) ?? NO_SUCH_PLAN
      const req = { ...primary.request, body: { ...primary.request.body, plan: otherPlan } }
      const r = await send(ctx, req)
      const problem = is2xx(r.res.status) ? `the same uuid with plan ${otherPlan} was answered ${r.res.status}, as if it were a new or the same request`
        : r.res.status >= 500 || r.res.status === 0 ? `${answered(r.res)}: Heroku retries a 5xx, and this request can never succeed`
          : !hasMessage(r.res.body) ? `${r.res.status} without a "message" for the customer` : undefined
      verdict(ctx, 'provision.conflicting-replay', problem, [r.ex], r.res.status === 409 ? undefined : `${r.res.status} (409 Conflict says it best)`)
    })
  }

  await step(ctx, 'provision.unknown-plan', async () => {
    const r = await provision(ctx, { plan: NO_SUCH_PLAN })
    verdict(ctx, 'provision.unknown-plan', r.status !== 422 ? `${answered(r)}, not 422` : !hasMessage(r.body) ? '422 without a "message" for the customer' : undefined, [r.ex])
  })
  await step(ctx, 'provision.unknown-region', async () => {
    const r = await provision(ctx, { plan: ctx.plans[0], region: 'amazon-web-services::xx-nowhere-9' })
    const problem = is2xx(r.status) ? undefined
      : r.status !== 422 ? `${answered(r)}: refuse with 422 and a message, or ignore the region`
        : !hasMessage(r.body) ? '422 without a "message" for the customer' : undefined
    verdict(ctx, 'provision.unknown-region', problem, [r.ex], is2xx(r.status) ? 'the region was ignored' : undefined)
  })
  await step(ctx, 'provision.bad-request', async () => {
    const req = ctx.heroku.request('POST', undefined, { plan: ctx.plans[0], region: 'amazon-web-services::us-east-1' })
    const res = await ctx.heroku.send(req)
    ctx.timings.push(res.status === 0 ? Infinity : res.elapsedMs)
    const problem = res.status >= 400 && res.status < 500 ? (res.body === null || res.body === '' ? `${res.status} with an empty body` : undefined) : `${answered(res)} to a body without a uuid`
    verdict(ctx, 'provision.bad-request', problem, [fromDriver(req, res)])
  })
}

/** The POST /oauth/token that redeemed `code`, if the sim has seen one answered 200. */
export async function grantExchange (ctx: CheckContext, code: string | undefined) {
  if (code === undefined) return undefined
  const { calls } = await ctx.side.calls(ctx.firstCall)
  return calls.find((c) => c.method === 'POST' && c.path.split('?')[0]!.endsWith('/oauth/token') && isObject(c.body) && c.body.code === code && c.status === 200)
}

function safeUrl (s: string): URL | undefined {
  try { return new URL(s) } catch { return undefined }
}

function summarizeStatuses (statuses: number[]): string {
  const counts = new Map<number, number>()
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1)
  return [...counts].map(([s, n]) => `${n} × ${s === 0 ? 'no answer' : s}`).join(', ')
}

