// The logs search over log_lines (src/logs/log-query.ts): time range, newest first, every
// filter, cursor pagination without gaps or repeats, tenant isolation and a missing table.
import t from 'tap'
import { createTestDatabase } from '@addonkit/testkit'
import { createDb } from '@addonkit/db'
import { randomUUID } from 'node:crypto'
import { decodeCursor, encodeCursor, searchLogs, tenantOf, type LogSearch } from '../src/logs/log-query.js'
import { createInstance, startBase } from './helper.js'
import { createLogTenant, insertLines, routerLine } from './log-fixtures.js'

const base = await startBase(t)
const { db } = base
const pool = db.pool
const mine = await createLogTenant(db, await createInstance(base))
const theirs = await createLogTenant(db, await createInstance(base))

const now = Date.now()
const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000)
await insertLines(db, mine, [
  { ts: at(50), msg: 'Booting worker', proc: 'worker.1' },
  { ts: at(40), msg: 'User signed in: ALICE' },
  routerLine(at(30), 200, '/checkout/cart', 12),
  routerLine(at(20), 404, '/missing', 3),
  routerLine(at(10), 503, '/checkout/pay', 30001),
  { ts: at(5), msg: 'Payment FAILED for order 7' },
  { ts: at(90), msg: 'an old line outside the last hour' }
])
// The other tenant has lines that match every search below.
await insertLines(db, theirs, [
  { ts: at(40), msg: 'User signed in: ALICE (other tenant)' },
  routerLine(at(10), 503, '/checkout/pay', 5),
  { ts: at(5), msg: 'Payment FAILED elsewhere' }
])

const lastHour = (extra: Partial<LogSearch> = {}): LogSearch => ({ from: at(60), to: new Date(now + 1000), limit: 50, ...extra })
async function messages (tenant: string, q: LogSearch): Promise<string[]> {
  const r = await searchLogs(pool, tenant, q)
  if (r.store !== 'ready') throw new Error('store missing')
  return r.lines.map((l) => l.message)
}

t.test('the tenant of an instance', async (t) => {
  t.equal(await tenantOf(pool, (await db.prisma.logTenant.findUnique({ where: { id: mine } }))!.instanceUuid), mine)
  t.equal(await tenantOf(pool, randomUUID()), null)
})

t.test('a time range, newest first', async (t) => {
  const all = await messages(mine, lastHour())
  t.equal(all.length, 6, 'the line older than the range is left out')
  t.match(all[0], /Payment FAILED/)
  t.match(all[5], /Booting worker/)
  t.same(await messages(mine, lastHour({ from: at(100), to: at(60) })), ['an old line outside the last hour'])
})

t.test('filters', async (t) => {
  t.same(await messages(mine, lastHour({ text: 'alice' })), ['User signed in: ALICE'], 'text, case-insensitive')
  t.same(await messages(mine, lastHour({ text: 'failed FOR' })), ['Payment FAILED for order 7'])
  t.same(await messages(mine, lastHour({ text: '%' })), [], 'no LIKE wildcards')
  t.equal((await messages(mine, lastHour({ source: 'heroku' }))).length, 3)
  t.equal((await messages(mine, lastHour({ source: 'app' }))).length, 3)
  t.same(await messages(mine, lastHour({ proc: 'worker.1' })), ['Booting worker'])
  t.match(await messages(mine, lastHour({ statusClass: 5 })), [/status=503/])
  t.match(await messages(mine, lastHour({ statusClass: 4 })), [/status=404/])
  t.same(await messages(mine, lastHour({ statusClass: 3 })), [])
  const checkout = await messages(mine, lastHour({ path: '/checkout' }))
  t.equal(checkout.length, 2, 'path prefix')
  t.match(checkout, [/\/checkout\/pay/, /\/checkout\/cart/])
  t.match(await messages(mine, lastHour({ source: 'heroku', statusClass: 2, path: '/checkout', text: 'cart' })), [/status=200/], 'filters combine')
})

t.test('cursor pagination: every line once, in order', async (t) => {
  // Two lines in the same millisecond: seq breaks the tie.
  const tenant = await createLogTenant(db, await createInstance(base))
  const same = at(15)
  await insertLines(db, tenant, [{ ts: at(30), msg: 'l1' }, { ts: same, msg: 'l2' }, { ts: same, msg: 'l3' }, { ts: at(10), msg: 'l4' }, { ts: at(5), msg: 'l5' }])
  const seen: string[] = []
  let q = lastHour({ limit: 2 })
  let pages = 0
  for (;;) {
    const r = await searchLogs(pool, tenant, q)
    if (r.store !== 'ready') throw new Error('missing')
    seen.push(...r.lines.map((l) => l.message))
    pages++
    if (!r.next) break
    const c = decodeCursor(encodeCursor(r.next))
    t.same(c, r.next, 'the cursor survives its URL form')
    q = { ...q, cursor: c }
  }
  t.same(seen, ['l5', 'l4', 'l3', 'l2', 'l1'])
  t.equal(pages, 3)
  t.equal(decodeCursor('nonsense'), undefined)
  t.equal(decodeCursor("1.1' OR 1=1"), undefined)
})

t.test('tenant isolation: another tenant\'s lines never appear', async (t) => {
  for (const q of [lastHour(), lastHour({ text: 'alice' }), lastHour({ statusClass: 5 }), lastHour({ text: 'elsewhere' })]) {
    const r = await searchLogs(pool, mine, q)
    if (r.store !== 'ready') throw new Error('missing')
    t.notOk(r.lines.some((l) => /other tenant|elsewhere/.test(l.message) || l.serviceMs === 5), JSON.stringify({ text: q.text, status: q.statusClass }))
  }
  t.same(await messages(theirs, lastHour({ text: 'alice' })), ['User signed in: ALICE (other tenant)'])
  t.same(await messages(randomUUID(), lastHour()), [], 'an unknown tenant has nothing')
})

t.test('a database without log_lines: the store is missing, not an error', async (t) => {
  const url = await createTestDatabase(t)
  const bare = createDb(url)
  t.teardown(() => bare.close())
  await bare.pool.query('DROP TABLE IF EXISTS log_lines')
  t.same(await searchLogs(bare.pool, mine, lastHour()), { store: 'missing' })
})
