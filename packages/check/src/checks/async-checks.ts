// Asynchronous provisioning (protocol §4.3, §5, §6, §18.8). The add-on under test is the first
// one if it was answered 202; otherwise the check slows Heroku's token endpoint down (a
// provider that exchanges the grant before answering then has to answer 202 or be slow)
// and provisions another. A provider that still answers synchronously is not judged here.
import type { SimCall } from '@addonkit/heroku-sim'
import { type CheckContext, answered, is2xx, provision, skip, step, verdict } from '../check-context.js'
import { isGenericUserAgent } from './passive-checks.js'
import { grantExchange } from './provision-checks.js'

const RULES = ['async.completes', 'async.grant-exchanged', 'async.config-pushed', 'async.api-calls', 'async.user-agent'] as const

export async function asyncChecks (ctx: CheckContext): Promise<void> {
  let target = ctx.primary?.answer.status === 202 ? { uuid: ctx.primary.uuid, request: ctx.primary.request } : undefined
  let how = 'the first add-on was answered 202'
  if (!target) {
    await ctx.side.delay(/\/oauth\/token$/, 5000)
    const p = await provision(ctx, { plan: ctx.plans[0] }, { untimed: true })
    if (p.status === 202) {
      target = { uuid: p.uuid, request: p.request }
      how = 'answered 202 while Heroku\'s token endpoint took 5 s'
    } else {
      const why = is2xx(p.status)
        ? `the provider answered ${p.status} even while Heroku's token endpoint took 5 s: its asynchronous path was not exercised`
        : `a provision while Heroku's token endpoint was slow was ${answered(p)}`
      for (const id of RULES) skip(ctx, id, why)
      return
    }
  }
  const { uuid, request } = target
  await step(ctx, 'async.completes', async () => {
    try {
      await ctx.heroku.waitForState(uuid, 'provisioned', ctx.asyncTimeoutMs)
      verdict(ctx, 'async.completes', undefined, [], how)
    } catch {
      const addon = await ctx.side.addon(uuid)
      verdict(ctx, 'async.completes', `the add-on is still ${addon?.state ?? 'unknown'} ${ctx.asyncTimeoutMs / 1000} s after the 202 (no successful POST /addons/${uuid}/actions/provision; --async-timeout sets the wait)`)
    }
  })
  const calls = (await ctx.side.calls(ctx.firstCall)).calls
  const mine = calls.filter((c) => c.path.split('?')[0]!.includes(`/addons/${uuid}`))
  const grant = (request.body?.oauth_grant as { code?: string, expires_at?: string } | undefined)
  await step(ctx, 'async.grant-exchanged', async () => {
    const exchanged = await grantExchange(ctx, grant?.code)
    if (!exchanged) return verdict(ctx, 'async.grant-exchanged', 'the grant code was never exchanged: without tokens the provider cannot finish through the Platform API')
    const late = grant?.expires_at !== undefined && exchanged.at.getTime() > Date.parse(grant.expires_at)
    verdict(ctx, 'async.grant-exchanged', late ? 'the grant was exchanged after its expires_at' : undefined)
  })
  await step(ctx, 'async.config-pushed', async () => {
    if (ctx.manifest.api.config_vars.length === 0) return skip(ctx, 'async.config-pushed', 'the manifest declares no config vars')
    const patchAt = mine.findIndex((c) => c.method === 'PATCH' && c.path.endsWith('/config') && is2xx(c.status))
    const provisionAt = mine.findIndex((c) => c.method === 'POST' && c.path.endsWith('/actions/provision') && is2xx(c.status))
    verdict(ctx, 'async.config-pushed', patchAt === -1 ? 'no successful PATCH /addons/{uuid}/config: the app gets no config vars'
      : provisionAt !== -1 && provisionAt < patchAt ? 'the config was pushed after actions/provision, so the app restarts twice' : undefined)
  })
  await step(ctx, 'async.api-calls', async () => {
    const refused = mine.filter((c) => c.status >= 400)
    verdict(ctx, 'async.api-calls', refused.length === 0 ? undefined : `Heroku refused ${refused.length} call(s): ${refused.slice(0, 3).map(describe).join('; ')}`, [], `${mine.length} calls`)
  })
  await step(ctx, 'async.user-agent', async () => {
    const agents = new Set(mine.map((c) => String(c.headers['user-agent'] ?? '')))
    const generic = [...agents].filter(isGenericUserAgent)
    if (mine.length === 0) return skip(ctx, 'async.user-agent', 'no Platform API calls to look at')
    verdict(ctx, 'async.user-agent', generic.length === 0 ? undefined : `User-Agent ${JSON.stringify(generic[0])} does not name the add-on`)
  })
}

function describe (c: SimCall): string {
  return `${c.method} ${c.path} → ${c.status}`
}
