// Plan changes (protocol §8, §18 items 9–11) on the first add-on, once it is provisioned.
import { HEROKU_PARTNER_HEADERS, herokuBasicAuth, planChangeAnswerProblem, type SimManifest } from '@addonkit/heroku-sim'
import { type CheckContext, answered, hasMessage, is2xx, send, skip, step, verdict } from '../check-context.js'
import { exchange } from '../exchange.js'
import { NO_SUCH_PLAN } from './provision-checks.js'

const RULES = ['plan.change', 'plan.same', 'plan.unknown', 'plan.empty-body'] as const

export async function planChecks (ctx: CheckContext): Promise<void> {
  const primary = ctx.primary
  if (!primary) {
    for (const id of RULES) skip(ctx, id, 'needs a provisioned add-on, and provision.accepted failed')
  } else {
    const ready = await ctx.heroku.waitForState(primary.uuid, 'provisioned', ctx.asyncTimeoutMs).then(() => true, () => false)
    if (!ready) {
      for (const id of RULES) skip(ctx, id, 'the first add-on never became provisioned')
    } else {
      const target = ctx.plans.find((p) => p !== primary.request.body?.plan)
      await step(ctx, 'plan.change', async () => {
        if (target === undefined) return skip(ctx, 'plan.change', 'only one plan is known: name two with --plans')
        const r = await send(ctx, ctx.heroku.request('PUT', primary.uuid, { plan: target }))
        const problem = !is2xx(r.res.status) ? `a change to plan ${target} was ${answered(r.res)}${r.res.body?.message ? `: ${r.res.body.message}` : ''}`
          : r.res.rejected ?? planChangeAnswerProblem(r.res.body, ctx.manifest as unknown as SimManifest)
        verdict(ctx, 'plan.change', problem, [r.ex])
      })
      await step(ctx, 'plan.same', async () => {
        const current = (await ctx.side.addon(primary.uuid))?.plan ?? String(primary.request.body?.plan)
        const r = await send(ctx, ctx.heroku.request('PUT', primary.uuid, { plan: current }))
        verdict(ctx, 'plan.same', r.res.status === 200 ? undefined : `a change to the current plan ${current} was ${answered(r.res)}, not a 200 no-op`, [r.ex])
      })
      await step(ctx, 'plan.unknown', async () => {
        const r = await send(ctx, ctx.heroku.request('PUT', primary.uuid, { plan: NO_SUCH_PLAN }))
        verdict(ctx, 'plan.unknown', r.res.status !== 422 ? `${answered(r.res)}, not 422` : !hasMessage(r.res.body) ? '422 without a "message" for the customer' : undefined, [r.ex])
      })
      await step(ctx, 'plan.empty-body', async () => {
        const r = await exchange({ ca: ctx.ca, method: 'PUT', url: `${ctx.endpoints.baseUrl}/${primary.uuid}`, headers: { ...HEROKU_PARTNER_HEADERS, Authorization: herokuBasicAuth(ctx.manifest.id, ctx.manifest.api.password) } })
        ctx.timings.push(r.status === 0 ? Infinity : r.exchange.elapsedMs)
        const problem = r.status >= 400 && r.status < 500 ? (r.text.trim() === '' ? `${r.status} with an empty body` : undefined) : `${answered(r)} to a PUT without a body`
        verdict(ctx, 'plan.empty-body', problem, [r.exchange])
      })
    }
  }
  await step(ctx, 'plan.unknown-resource', async () => {
    const r = await send(ctx, ctx.heroku.request('PUT', crypto.randomUUID(), { plan: ctx.plans[0]! }))
    verdict(ctx, 'plan.unknown-resource', r.res.status >= 400 && r.res.status < 500 ? undefined : `a plan change for a uuid never provisioned was ${answered(r.res)}`, [r.ex])
  })
}
