// One search, one retention: the logs page and the data API answer the same query with the
// same lines, and after a downgrade to a plan with a shorter retention neither shows a line
// older than the new retention (before its partition is dropped). Real stack: the allocator
// applies the plan change through the logs driver, the log-drain serves the data API, the
// dashboard the page; the lines are stored by the log store as the writer stores them.
import t from 'tap'
import { openResourceOutput, requestPlanChange, wakeAllocator } from '@addonkit/lifecycle'
import { buildApp as buildDrain, loadDrainConfig } from '@addonkit/log-drain'
import { findTenant, tenantIdOf } from '@addonkit/log-store'
import { LogCapture, eventually } from '@addonkit/testkit'
import { signIn } from './helper.js'
import { startStack } from './stack.js'
import { insertLines } from './log-fixtures.js'

const DAY = 86_400_000
const stack = await startStack(t)
const dash = await stack.dashboard()
const drain = await buildDrain(loadDrainConfig(stack.env), { logStream: new LogCapture() })
await drain.ready()
t.teardown(() => drain.close())

const uuid = await stack.provision('pro')
const tenantId = (await tenantIdOf(stack.db.pool, uuid))!
const now = Date.now()
// pro keeps 30 days, hobby 2.
const ages = [25, 10, 5, 3, 1.5, 1, 0.25, 0.01]
await insertLines(stack.db, tenantId, ages.map((d) => ({ ts: new Date(now - d * DAY), msg: `line from ${d} days ago` })), 30)
const cookies = await signIn(dash, uuid)
const inst = await stack.db.prisma.instance.findUnique({ where: { uuid } })
const apiUrl = new URL(openResourceOutput(stack.keyRing, uuid, inst!.configEnc)!.config.ADDONKIT_URL!)
const apiAuth = `Basic ${Buffer.from(`${decodeURIComponent(apiUrl.username)}:${decodeURIComponent(apiUrl.password)}`).toString('base64')}`

// The same query both ways: the last 30 days to a minute from now, optionally with a text.
const from = new Date(Math.floor((now - 30 * DAY) / 60_000) * 60_000)
const to = new Date(Math.floor((now + 120_000) / 60_000) * 60_000)
const minute = (d: Date) => d.toISOString().slice(0, 16)

async function viaDataApi (q?: string): Promise<string[]> {
  const qs = new URLSearchParams({ since: from.toISOString(), until: to.toISOString(), limit: '1000', ...(q ? { q } : {}) })
  const res = await drain.inject({ method: 'GET', url: `/v1/logs?${qs}`, headers: { authorization: apiAuth } })
  if (res.statusCode !== 200) throw new Error(`data API ${res.statusCode}: ${res.body}`)
  return (res.json() as { lines: Array<{ message: string }> }).lines.map((l) => l.message)
}

async function viaDashboard (q?: string): Promise<string[]> {
  const qs = new URLSearchParams({ range: 'custom', from: minute(from), to: minute(to), ...(q ? { q } : {}) })
  const res = await dash.app.inject({ method: 'GET', url: `/dashboard/${uuid}/logs?${qs}`, cookies })
  if (res.statusCode !== 200) throw new Error(`dashboard ${res.statusCode}`)
  return [...res.body.matchAll(/<span class="log-msg">([^<]*)<\/span>/g)].map((m) => m[1]!)
}

// Newest first, as both list them.
const expected = (maxDays: number) => ages.filter((d) => d < maxDays).map((d) => `line from ${d} days ago`).reverse()

t.test('on pro (30 days): both show every line, newest first, the same', async (t) => {
  t.same(await viaDataApi(), expected(30), 'data API')
  t.same(await viaDashboard(), expected(30), 'dashboard')
  t.same(await viaDashboard('days ago'), await viaDataApi('days ago'), 'with a text query too')
})

t.test('after a downgrade to hobby (2 days): neither shows an older line, both the same', async (t) => {
  const op = await requestPlanChange(stack.db, uuid, 'pro', 'hobby')
  t.ok(op, 'the plan change is queued as the gateway queues it')
  wakeAllocator(stack.allocator.nats, op!)
  await eventually(async () => (await findTenant(stack.db.pool, 'instanceUuid', uuid))?.plan === 'hobby', 15_000)
  // The drain's tenant cache drops the entry on the allocator's instance event.
  await eventually(async () => (await viaDataApi()).length === expected(2).length, 10_000)
  const api = await viaDataApi()
  t.same(api, expected(2), 'data API: only the last 2 days')
  t.same(await viaDashboard(), api, 'dashboard: the same lines')
  t.same(await viaDashboard('days'), await viaDataApi('days'), 'with a text query too')
  t.same(await viaDashboard('from 5 days'), [], 'a line past the retention is not found by its text')
  t.same(await viaDataApi('from 5 days'), [])
})
