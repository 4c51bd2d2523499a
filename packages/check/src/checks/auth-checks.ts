// Basic auth (protocol §3.2, §18.1): every Partner API verb refuses a missing or wrong
// Authorization with 401, before it looks at the resource.
import { herokuBasicAuth } from '@addonkit/heroku-sim'
import { type CheckContext, answered, provision, send, skip, step, verdict } from '../check-context.js'

export async function authChecks (ctx: CheckContext): Promise<void> {
  const id = ctx.manifest.id
  const wrongPassword = herokuBasicAuth(id, `${ctx.manifest.api.password}-wrong`)
  const cases: Array<[string, string, string]> = [
    ['auth.none', '', 'no Authorization'],
    ['auth.wrong-password', wrongPassword, 'a wrong password'],
    ['auth.wrong-user', herokuBasicAuth(`${id}-other`, ctx.manifest.api.password), 'another add-on id']
  ]
  for (const [rule, auth, what] of cases) {
    await step(ctx, rule, async () => {
      const r = await provision(ctx, { plan: ctx.plans[0], auth })
      verdict(ctx, rule, r.status === 401 ? undefined : `a provision with ${what} was ${answered(r)}, not 401`, [r.ex])
    })
  }
  const primary = ctx.primary
  for (const [rule, method] of [['auth.plan-change', 'PUT'], ['auth.deprovision', 'DELETE']] as const) {
    if (!primary) { skip(ctx, rule, 'needs a provisioned add-on, and provision.accepted failed'); continue }
    await step(ctx, rule, async () => {
      const body = method === 'PUT' ? { plan: ctx.plans[1] ?? ctx.plans[0]! } : undefined
      const r = await send(ctx, ctx.heroku.request(method, primary.uuid, body, wrongPassword))
      verdict(ctx, rule, r.res.status === 401 ? undefined : `${method} of an existing add-on with a wrong password was ${answered(r.res)}, not 401`, [r.ex])
    })
  }
}
