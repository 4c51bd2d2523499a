// GET /dashboard/:uuid/metrics: router metrics of the add-on's app over the last hour and
// the last day. Registered inside dashboard.ts, whose preHandler has checked the session.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { routerMetrics, tenantIdOf, WINDOWS } from '@addonkit/log-store'
import { metricsPage } from '../views/metrics-page.js'
import { sendPage } from './html-errors.js'
import { signedInAs } from './signed-in.js'
import { UPLOT_ASSETS } from './assets.js'
import { HtmlPage, InstanceParams } from './schemas.js'

export default async function metricsRoutes (fastify: FastifyInstance, opts: { addonName: string }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/:uuid/metrics', { schema: { params: InstanceParams, response: { 200: HtmlPage } } }, async (req, reply) => {
    const s = req.signedIn!
    const uuid = s.instance.uuid
    const tenantId = await tenantIdOf(app.db.pool, uuid)
    const now = new Date()
    const series = tenantId ? await Promise.all(WINDOWS.map((w) => routerMetrics(app.db.pool, tenantId, w, now))) : null
    return sendPage(reply, 200, metricsPage({
      addonName: opts.addonName, series, uplot: UPLOT_ASSETS,
      signedIn: signedInAs(s, 'metrics')
    }))
  })
}
