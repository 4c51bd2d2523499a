// Deprovisioning (protocol §7, §18 items 12–13): DELETE exactly as Heroku sends it, repeated,
// for an unknown uuid, and the late retry of the original provision that must not bring
// the add-on back. Then every other add-on the run created is removed.
import { type CheckContext, answered, is2xx, send, skip, step, verdict } from '../check-context.js'
import { ssoAfterDeprovision } from './sso-checks.js'

export async function deprovisionChecks (ctx: CheckContext): Promise<void> {
  const primary = ctx.primary
  if (!primary) {
    for (const id of ['deprovision.delete', 'deprovision.repeat', 'deprovision.no-resurrection', 'sso.after-deprovision']) skip(ctx, id, 'needs a provisioned add-on, and provision.accepted failed')
  } else {
    let deleted = false
    await step(ctx, 'deprovision.delete', async () => {
      const r = await send(ctx, ctx.heroku.request('DELETE', primary.uuid))
      deleted = is2xx(r.res.status)
      verdict(ctx, 'deprovision.delete', deleted ? undefined : `DELETE with Content-Type: application/json and no body was ${answered(r.res)}: Heroku sends exactly this, so the add-on would never be removed`, [r.ex])
    })
    if (deleted) ctx.created.delete(primary.uuid)
    await step(ctx, 'deprovision.repeat', async () => {
      if (!deleted) return skip(ctx, 'deprovision.repeat', 'deprovision.delete failed')
      const r = await send(ctx, ctx.heroku.request('DELETE', primary.uuid))
      verdict(ctx, 'deprovision.repeat', is2xx(r.res.status) || r.res.status === 410 ? undefined : `the second DELETE was ${answered(r.res)}, not 2xx or 410`, [r.ex])
    })
    await step(ctx, 'deprovision.no-resurrection', async () => {
      if (!deleted) return skip(ctx, 'deprovision.no-resurrection', 'deprovision.delete failed')
      const r = await send(ctx, primary.request)
      if (is2xx(r.res.status)) ctx.created.add(primary.uuid)
      verdict(ctx, 'deprovision.no-resurrection', r.res.status >= 400 && r.res.status < 500 ? undefined
        : `a late retry of the original provision was ${answered(r.res)}${is2xx(r.res.status) ? ': the add-on the customer removed (and no longer pays for) exists again' : ''}`, [r.ex], r.res.status === 410 ? undefined : `${r.res.status} (410 Gone says it best)`)
    })
    if (deleted) await ssoAfterDeprovision(ctx, primary.uuid)
    else skip(ctx, 'sso.after-deprovision', 'deprovision.delete failed')
  }
  await step(ctx, 'deprovision.unknown', async () => {
    const r = await send(ctx, ctx.heroku.request('DELETE', crypto.randomUUID()))
    verdict(ctx, 'deprovision.unknown', is2xx(r.res.status) || r.res.status === 410 ? undefined : `a DELETE for a uuid never provisioned was ${answered(r.res)}, not 2xx or 410`, [r.ex])
  })
}

/** Removes what the run created; answers are not judged. */
export async function cleanUp (ctx: CheckContext): Promise<string[]> {
  const left: string[] = []
  for (const uuid of ctx.created) {
    const r = await ctx.heroku.deprovision(uuid).catch(() => ({ status: 0 }))
    if (!is2xx(r.status) && r.status !== 410) left.push(uuid)
  }
  return left
}
