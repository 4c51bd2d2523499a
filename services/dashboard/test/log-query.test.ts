// The logs page's search: the form's fields (src/logs/search-form.ts) become a query of the
// log store, the same search as the data API's. Time range, newest first, every filter,
// cursor pagination without gaps or repeats, a bad cursor, tenant isolation.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { searchLines, tenantIdOf } from '@addonkit/log-store'
import { parseSearch, type RawSearchQuery } from '../src/logs/search-form.js'
import { createInstance, startBase } from './helper.js'
import { createLogTenant, insertLines, routerLine } from './log-fixtures.js'

const base = await startBase(t)
const { db } = base
const pool = db.pool
const mineInstance = await createInstance(base)
const mine = await createLogTenant(db, mineInstance)
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

async function search (tenantId: string, raw: RawSearchQuery, limit = 50) {
  const { search, problems } = parseSearch(raw, new Date(now), limit)
  return { ...(await searchLines(pool, { ...search, tenantId, retentionDays: 30 })), problems }
}
const messages = async (tenantId: string, raw: RawSearchQuery = {}) => (await search(tenantId, raw)).lines.map((l) => l.message)

t.test('the tenant of an instance', async (t) => {
  t.equal(await tenantIdOf(pool, mineInstance), mine)
  t.equal(await tenantIdOf(pool, randomUUID()), null)
})

t.test('a time range, newest first', async (t) => {
  const all = await messages(mine)
  t.equal(all.length, 6, 'the line older than the last hour is left out')
  t.match(all[0], /Payment FAILED/)
  t.match(all[5], /Booting worker/)
  const from = at(100).toISOString().slice(0, 16)
  const to = at(60).toISOString().slice(0, 16)
  t.same(await messages(mine, { range: 'custom', from, to }), ['an old line outside the last hour'])
})

t.test('filters', async (t) => {
  t.same(await messages(mine, { q: 'alice' }), ['User signed in: ALICE'], 'text, case-insensitive')
  t.same(await messages(mine, { q: 'failed FOR' }), ['Payment FAILED for order 7'])
  t.same(await messages(mine, { q: '%' }), [], 'no LIKE wildcards')
  t.equal((await messages(mine, { source: 'heroku' })).length, 3)
  t.equal((await messages(mine, { source: 'app' })).length, 3)
  t.same(await messages(mine, { proc: 'worker.1' }), ['Booting worker'])
  t.same(await messages(mine, { proc: 'worker' }), ['Booting worker'], 'a process type matches its dynos')
  t.match(await messages(mine, { status: '5xx' }), [/status=503/])
  t.match(await messages(mine, { status: '4xx' }), [/status=404/])
  t.same(await messages(mine, { status: '3xx' }), [])
  const checkout = await messages(mine, { path: '/checkout' })
  t.equal(checkout.length, 2, 'path prefix')
  t.match(checkout, [/\/checkout\/pay/, /\/checkout\/cart/])
  t.same(await messages(mine, { path: '/check_ut' }), [], 'no LIKE wildcards in the path')
  t.match(await messages(mine, { source: 'heroku', status: '2xx', path: '/checkout', q: 'cart' }), [/status=200/], 'filters combine')
})

t.test('cursor pagination: every line once, in order; a bad cursor shows the newest lines', async (t) => {
  // Two lines in the same millisecond: seq breaks the tie.
  const tenant = await createLogTenant(db, await createInstance(base))
  const same = at(15)
  await insertLines(db, tenant, [{ ts: at(30), msg: 'l1' }, { ts: same, msg: 'l2' }, { ts: same, msg: 'l3' }, { ts: at(10), msg: 'l4' }, { ts: at(5), msg: 'l5' }])
  const seen: string[] = []
  let before: string | undefined
  let pages = 0
  for (;;) {
    const r = await search(tenant, before ? { before } : {}, 2)
    t.same(r.problems, [])
    seen.push(...r.lines.map((l) => l.message))
    pages++
    if (!r.nextCursor) break
    before = r.nextCursor
  }
  t.same(seen, ['l5', 'l4', 'l3', 'l2', 'l1'])
  t.equal(pages, 3)
  for (const bad of ['nonsense', "1.1' OR 1=1", Buffer.from('v1:1:1 OR 1=1').toString('base64url')]) {
    const r = await search(tenant, { before: bad }, 2)
    t.same(r.lines.map((l) => l.message), ['l5', 'l4'], `${bad}: the newest lines`)
    t.match(r.problems, [/not valid/])
  }
})

t.test('tenant isolation: another tenant\'s lines never appear', async (t) => {
  for (const raw of [{}, { q: 'alice' }, { status: '5xx' }, { q: 'elsewhere' }] as RawSearchQuery[]) {
    const r = await search(mine, raw)
    t.notOk(r.lines.some((l) => /other tenant|elsewhere/.test(l.message) || l.router?.service_ms === 5), JSON.stringify(raw))
  }
  t.same(await messages(theirs, { q: 'alice' }), ['User signed in: ALICE (other tenant)'])
  t.same(await messages(randomUUID()), [], 'an unknown tenant has nothing')
})
