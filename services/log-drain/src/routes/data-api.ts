// The add-on's data API under /v1 (the resource apps reach with the <PREFIX>_URL
// credentials): search, live tail, posting lines and the autoscaling settings, behind Basic
// auth and the plan's rate limit.
import type { FastifyInstance } from 'fastify'
import type { LogStore } from '@addonkit/log-store'
import { createRateLimiter } from '../rate-limit.js'
import { apiAuth } from './api-auth.js'
import searchRoutes from './logs-search.js'
import tailRoutes from './logs-tail.js'
import postRoutes from './logs-post.js'
import autoscalingRoutes from './autoscaling.js'

export interface DataApiOptions { store: LogStore, bodyLimit: number }

export default async function dataApi (app: FastifyInstance, opts: DataApiOptions) {
  app.decorateRequest('tenant', null as never)
  app.addHook('onRequest', apiAuth(app.tenants, createRateLimiter(), () => app.replicaCount()))
  await app.register(searchRoutes, { store: opts.store })
  await app.register(tailRoutes, { store: opts.store })
  await app.register(postRoutes, { bodyLimit: opts.bodyLimit })
  await app.register(autoscalingRoutes)
}
