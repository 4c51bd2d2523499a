// The Add-on Partner API v3 routes Heroku calls: POST /heroku/resources (provision),
// PUT /heroku/resources/:id (plan change), DELETE /heroku/resources/:id (deprovision).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { basicAuth } from '../auth.js'
import type { createProvisioning } from '../provisioning.js'
import { ErrorReply, IdParams, PlanChangeBody, PlanChangeReply, ProvisionBody, ProvisionReply } from './schemas.js'

export interface ResourceRoutesOptions {
  addonId: string
  password: string
  provisioning: ReturnType<typeof createProvisioning>
}

const errors = { 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply, 410: ErrorReply, 422: ErrorReply, 503: ErrorReply }

export default async function resourceRoutes (fastify: FastifyInstance, opts: ResourceRoutesOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  // JSON bodies, Heroku's vendor type and empty bodies under a JSON Content-Type are the
  // service kit's (content-types.ts), the same for every service (protocol §3.3).
  app.addHook('onRequest', basicAuth(opts.addonId, opts.password))
  // Body validation failures are requests Heroku must not retry: 422 with a message.
  app.setSchemaErrorFormatter((errs, dataVar) => {
    const first = errs[0]
    const where = first?.instancePath ? `${dataVar}${first.instancePath.replace(/\//g, '.')}` : dataVar
    const err = new Error(`Invalid request: ${where} ${first?.message ?? 'is invalid'}`) as Error & { statusCode: number, code: string }
    err.statusCode = 422
    err.code = 'GW_INVALID'
    return err
  })
  // A deliberate 503 (the plan change cannot be checked now) keeps its code and message;
  // the root handler would answer it as an anonymous internal error. Anything else goes to
  // the root handler (an error thrown here is passed to the parent's handler).
  app.setErrorHandler((err: Error & { code?: string, statusCode?: number }, req, reply) => {
    if (err.statusCode !== 503 || err.code !== 'GW_UNAVAILABLE') throw err
    req.log.warn({ err: { code: err.code, message: err.message } }, 'answered 503')
    return reply.code(503).send({ code: err.code, message: err.message, request_id: req.id })
  })

  const provisions = fastify.metrics.counter({
    name: 'addonkit_provisions_total',
    help: 'Provision requests from Heroku by outcome: created (a new add-on answered 200/202), replayed (a retry answered again), conflict (409), unauthorized (401), rejected (another 4xx), error (5xx).',
    labelNames: ['outcome']
  })
  const replayed = new WeakSet<object>()
  const countProvision = async (req: FastifyRequest, reply: FastifyReply) => {
    const s = reply.statusCode
    provisions.inc({ outcome: s < 300 ? (replayed.has(req) ? 'replayed' : 'created') : s === 409 ? 'conflict' : s === 401 ? 'unauthorized' : s < 500 ? 'rejected' : 'error' })
  }
  app.post('/heroku/resources', { onResponse: countProvision, schema: { body: ProvisionBody, response: { 200: ProvisionReply, 202: ProvisionReply, ...errors } } }, async (req, reply) => {
    const answer = await opts.provisioning.provision(req.body)
    if (answer.replayed) replayed.add(req)
    return reply.code(answer.status as 200).send(answer.body as never)
  })

  app.put('/heroku/resources/:id', { schema: { params: IdParams, body: PlanChangeBody, response: { 200: PlanChangeReply, 202: PlanChangeReply, ...errors } } }, async (req, reply) => {
    const answer = await opts.provisioning.changePlan(req.params.id, req.body.plan)
    return reply.code(answer.status as 200).send(answer.body as never)
  })

  app.delete('/heroku/resources/:id', { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await opts.provisioning.deprovision(req.params.id)
    return reply.code(204).send(null)
  })
}
