// The autoscaling settings as code, on the data API (the <PREFIX>_URL credentials):
//   GET    /v1/autoscaling                   every process type's policy, formation and last decision
//   PUT    /v1/autoscaling/{process_type}    set a policy (JSON; field names fixed, packages/autoscale policy.ts)
//   DELETE /v1/autoscaling/{process_type}    stop autoscaling that process type
// An invalid policy gets 400 with every { field, reason }.
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { PROCESS_TYPE, validatePolicy } from '@addonkit/autoscale'
import { deletePolicy, loadApp, loadPolicies, loadStates, savePolicy, type DecisionRecord } from '@addonkit/lifecycle'
import { ErrorBody } from './schemas.js'

const Params = Type.Object({ process_type: Type.String({ maxLength: 128 }) })

const decisionView = (d: DecisionRecord | null) => d && {
  at: d.at.toISOString(), action: d.action, from: d.from, to: d.to, applied: d.applied, reason: d.reason, outcome: d.outcome, ...(d.error ? { error: d.error } : {})
}

export default async function autoscalingRoutes (app: FastifyInstance) {
  app.get('/v1/autoscaling', { schema: { response: { '4xx': ErrorBody, '5xx': ErrorBody } } }, async (req) => {
    const uuid = req.tenant.instanceUuid
    const [policies, states, appRecord] = await Promise.all([loadPolicies(app.db, uuid), loadStates(app.db, uuid), loadApp(app.db, uuid)])
    const types = [...new Set([...policies.map((p) => p.processType), ...states.map((s) => s.processType)])].sort()
    return {
      authorization: appRecord?.authorization ?? null,
      app: appRecord?.appName ?? null,
      process_types: types.map((type) => {
        const p = policies.find((x) => x.processType === type)
        const s = states.find((x) => x.processType === type)
        return {
          process_type: type,
          policy: p?.policy ?? null,
          formation: s && s.quantity !== null ? { quantity: s.quantity, size: s.size, read_at: s.formationAt?.toISOString() ?? null } : null,
          last_change: s?.lastChange ? { at: s.lastChange.at.toISOString(), from: s.lastChange.from, to: s.lastChange.to, by: s.lastChange.by } : null,
          last_decision: decisionView(s?.lastDecision ?? null)
        }
      })
    }
  })

  app.put<{ Params: { process_type: string } }>('/v1/autoscaling/:process_type', {
    bodyLimit: 16 * 1024,
    schema: { params: Params }
  }, async (req, reply) => {
    const type = req.params.process_type
    if (!PROCESS_TYPE.test(type)) return reply.code(400).send({ code: 'DRAIN_INVALID_POLICY', message: `Invalid process type ${JSON.stringify(type)}: letters, digits, - and _ only.`, errors: [{ field: 'process_type', reason: 'must match ^[-\\w]{1,128}$' }] })
    const v = validatePolicy(req.body)
    if (!v.ok) {
      return reply.code(400).send({ code: 'DRAIN_INVALID_POLICY', message: `Invalid autoscaling settings: ${v.errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`, errors: v.errors })
    }
    const saved = await savePolicy(app.db, req.tenant.instanceUuid, type, v.policy, 'data-api')
    return { process_type: type, policy: saved.policy, updated_at: saved.updatedAt.toISOString() }
  })

  app.delete<{ Params: { process_type: string } }>('/v1/autoscaling/:process_type', { schema: { params: Params } }, async (req, reply) => {
    const removed = await deletePolicy(app.db, req.tenant.instanceUuid, req.params.process_type, 'data-api')
    return removed ? reply.code(204).send() : reply.code(404).send({ code: 'DRAIN_NOT_FOUND', message: `No autoscaling policy for ${req.params.process_type}.` })
  })
}
