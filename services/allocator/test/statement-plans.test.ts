// The plans PostgreSQL keeps for the provisioning path's named statements (lifecycle
// `prepared`: planned once per connection, then a generic plan is kept) find their rows by
// index on tables of a partner's size, never by scanning a whole table. The batched
// statements once joined a jsonb_to_recordset (counted as 100 rows) with a hash join over a
// scan of instances, oauth_tokens and operations (issue 20). Against real PostgreSQL.
import t from 'tap'
import { createDb, type Db } from '@addonkit/db'
import { preparedStatements, webhookRecord } from '@addonkit/lifecycle'
import { createTestDatabase, explainGeneric } from '@addonkit/testkit'
import { finishOperations } from '../src/operations/claim.js'
import '../src/platform-tokens.js'

const ROWS = 20_000
const BIG = ['instances', 'operations', 'oauth_tokens', 'audit_events', 'autoscale_apps']

t.test('every named statement finds its rows by index at 20,000 rows a table', async (t) => {
  const url = await createTestDatabase(t)
  const db = createDb(url)
  t.teardown(() => db.close())
  await db.pool.query(`INSERT INTO instances (uuid, plan, region, driver, updated_at, log_drain_token) SELECT gen_random_uuid(), 'hobby', 'r', 'logs', now(), 'd.' || g FROM generate_series(1, ${ROWS}) g`)
  await db.pool.query(`INSERT INTO operations (id, instance_uuid, kind, status) SELECT gen_random_uuid(), uuid, 'provision', 'succeeded' FROM instances`)
  await db.pool.query('INSERT INTO oauth_tokens (instance_uuid, updated_at) SELECT uuid, now() FROM instances')
  await db.pool.query(`INSERT INTO autoscale_apps (instance_uuid, updated_at) SELECT uuid, now() FROM instances`)
  await db.pool.query(`INSERT INTO audit_events (instance_uuid, event, outcome, detail) SELECT uuid, 'provision_requested', 'ok', '{}' FROM instances`)
  await db.pool.query('ANALYZE')
  // The finishes are named on first use, one per kind of write they carry: name both (nothing runs).
  const nothing = { pool: { query: async () => ({ rows: [] }) } } as unknown as Db
  await finishOperations(nothing, [{ id: 'x', instanceUuid: 'y', result: {} }])
  await finishOperations(nothing, [{ id: 'x', instanceUuid: 'y', result: {}, also: webhookRecord('y', { problem: 'p' }) }])
  const statements = [...preparedStatements()]
  t.ok(statements.length >= 18, `the provisioning path's statements are registered (${statements.length})`)
  const plans = await explainGeneric(url, statements.map(([, text]) => text))
  statements.forEach(([name], i) => {
    const scans = [...plans[i]!.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!).filter((table) => BIG.includes(table))
    t.same(scans, [], `${name}: no table scanned`)
  })
})
