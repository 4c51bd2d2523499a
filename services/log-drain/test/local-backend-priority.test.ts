// DRAIN_WRITER_NICE for the writer's own PostgreSQL backends: only a process proven to be
// this connection's backend is touched (its title names the connection's own port).
import t from 'tap'
import pg from 'pg'
import { createTestDatabase } from '@addonkit/testkit'
import { isLoopbackDatabase, niceOwnBackend } from '../src/writer/local-backend-priority.js'
import { niceOf } from './helper.js'

t.test('only loopback database URLs count as this machine', async (t) => {
  t.ok(isLoopbackDatabase('postgresql://u:p@127.0.0.1:5432/db'))
  t.ok(isLoopbackDatabase('postgresql://u:p@localhost/db'))
  t.ok(isLoopbackDatabase('postgresql://u:p@[::1]:5432/db'))
  t.notOk(isLoopbackDatabase('postgresql://u:p@db.internal:5432/db'))
  t.notOk(isLoopbackDatabase('not a url'))
})

t.test('a backend is reniced only when its title names the connection\'s own port', async (t) => {
  const client = new pg.Client({ connectionString: await createTestDatabase(t) })
  await client.connect()
  t.teardown(() => client.end())
  const real = client as unknown as { processID: number, connection: { stream: { localPort: number } } }
  const pid = real.processID
  const before = { backend: niceOf(pid), self: niceOf(process.pid) }

  // The same pid, claimed by a connection with another port: not provably this one's.
  const otherPort = { processID: pid, connection: { stream: { localPort: real.connection.stream.localPort + 1 } } }
  t.equal(niceOwnBackend(otherPort as unknown as pg.Client, 7), undefined, 'another port: refused')
  // A pid that is not a PostgreSQL backend at all (this test's own process).
  const notPostgres = { processID: process.pid, connection: real.connection }
  t.equal(niceOwnBackend(notPostgres as unknown as pg.Client, 7), undefined, 'not a postgres process: refused')
  t.equal(niceOf(pid), before.backend, 'the backend kept its priority')
  t.equal(niceOf(process.pid), before.self, 'and so did this process')

  t.not(before.backend, 7, 'a value it did not have')
  t.equal(niceOwnBackend(client, 7), pid, 'its own backend: reniced')
  t.equal(niceOf(pid), 7)
})
