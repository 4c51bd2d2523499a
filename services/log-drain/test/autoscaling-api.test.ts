// The autoscaling settings on the data API: the field names other tools script against,
// defaults, 400 with every field and reason, the tenant's own credentials only.
import t from 'tap'
import { startDrainStack, api } from './helper.js'

t.test('PUT and GET /v1/autoscaling/{process_type}', async (t) => {
  const stack = await startDrainStack(t)
  const tenant = await stack.tenant()
  const other = await stack.tenant()

  const empty = await api(stack, tenant, '/autoscaling')
  t.equal(empty.status, 200)
  t.same(empty.json, { authorization: null, app: null, process_types: [] })

  const put = await api(stack, tenant, '/autoscaling/web', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true, min: 2, max: 6, metric: 'service_p95', upscale_above: 400 }) })
  t.equal(put.status, 200)
  t.match(put.json, { process_type: 'web', policy: { enabled: true, min: 2, max: 6, metric: 'service_p95', upscale_above: 400, downscale_below: 200, upscale_jump: 1, upscale_cooldown_s: 60, downscale_delay_s: 600 } })

  const got = await api(stack, tenant, '/autoscaling')
  t.match(got.json, { process_types: [{ process_type: 'web', policy: { min: 2, max: 6, upscale_above: 400 }, formation: null, last_decision: null }] })
  t.same((await api(stack, other, '/autoscaling')).json.process_types, [], 'another add-on sees only its own')

  const bad = await api(stack, tenant, '/autoscaling/web', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true, min: 5, max: 2, metric: 'cpu' }) })
  t.equal(bad.status, 400)
  t.equal(bad.json.code, 'DRAIN_INVALID_POLICY')
  t.match(bad.json.errors, [{ field: 'min', reason: /greater than max/ }, { field: 'metric', reason: /unknown metric "cpu"/ }])
  t.match(bad.json.message, /min: must not be greater than max \(5 > 2\); metric: unknown metric/)
  t.match((await api(stack, tenant, '/autoscaling/web', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ min: 1, max: 2 }) })).json.errors, [{ field: 'enabled', reason: 'is required' }])
  t.equal((await api(stack, tenant, '/autoscaling/web', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"enabled":' })).status, 400, 'bad JSON')
  t.equal((await api(stack, tenant, '/autoscaling/web', { method: 'PUT', headers: { 'content-type': 'application/json' } })).status, 400, 'no body')
  t.match((await api(stack, tenant, '/autoscaling/we%20b', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true, min: 1, max: 2 }) })).json, { code: 'DRAIN_INVALID_POLICY', errors: [{ field: 'process_type' }] })
  t.match((await api(stack, tenant, '/autoscaling')).json.process_types[0].policy, { min: 2, max: 6 }, 'a refused PUT changed nothing')
  t.equal((await api(stack, tenant, '/autoscaling', { auth: 'Basic bm9ib2R5Om5vdGhpbmc=' })).status, 401)

  t.equal((await api(stack, tenant, '/autoscaling/web', { method: 'DELETE' })).status, 204)
  t.equal((await api(stack, tenant, '/autoscaling/web', { method: 'DELETE' })).status, 404)
  const trail = await stack.db.prisma.auditEvent.findMany({ where: { instanceUuid: tenant.instanceUuid, event: { startsWith: 'autoscale_policy' } }, orderBy: { id: 'asc' } })
  t.same(trail.map((e) => e.event), ['autoscale_policy_changed', 'autoscale_policy_removed'])
})
