// What a 2xx can promise on the nats-server a service connects to: one warning naming each
// risk and its fix, a refusal in production unless the risk is accepted (nats-durability.ts).
import t from 'tap'
import { createTestDatabase, startTestNats, LogCapture } from '@addonkit/testkit'
import { loadConfig } from '@addonkit/config'
import { createBaseApp, durabilityRisks, serverFacts, versionBefore } from '../src/index.js'

t.test('versions compare numerically, a pre-release before its release', async (t) => {
  t.ok(versionBefore('2.9.10', '2.10.23'))
  t.ok(versionBefore('2.10.22', '2.10.23'))
  t.notOk(versionBefore('2.10.23', '2.10.23'))
  t.notOk(versionBefore('2.12.1', '2.10.23'))
  t.ok(versionBefore('2.10.23-beta.1', '2.10.23'))
  t.notOk(versionBefore('v3.0.0', '2.10.23'))
})

t.test('the risks of each topology', async (t) => {
  const ids = (version: string, clusterSize: number, syncAlways: boolean) => durabilityRisks({ version, clusterSize, syncAlways }).map((r) => r.id)
  t.same(ids('2.9.10', 1, false), ['version', 'power-loss'], "Debian's nats-server alone: both")
  t.same(ids('2.10.22', 3, false), ['version'], 'a cluster of 3 on a release with the stream losses')
  t.same(ids('2.10.23', 1, false), ['power-loss'], 'a fixed release, one node, default fsync')
  t.same(ids('2.10.23', 1, true), [], 'one node that fsyncs every write')
  t.same(ids('2.10.23', 2, false), ['power-loss'], 'two nodes cannot keep a stream on 3')
  t.same(ids('2.11.0', 3, false), [], 'a cluster of 3 on a fixed release')
  const claimed = durabilityRisks({ version: '2.9.10', clusterSize: 1, syncAlways: true })
  t.same(claimed.map((r) => r.id), ['version', 'power-loss'], 'NATS_SYNC_ALWAYS on a server that cannot have it does not count')
  t.match(claimed[1]!.risk, /2\.9\.10 does not accept sync_interval/)
  for (const r of durabilityRisks({ version: '2.9.10', clusterSize: 1, syncAlways: false })) t.match(r.fix, /\S/, `${r.id} names its fix`)
})

t.test("the facts come from the server's INFO", async (t) => {
  t.same(serverFacts({ version: '2.9.10' }, false), { version: '2.9.10', clusterSize: 1, syncAlways: false })
  t.same(serverFacts({ version: '2.10.24', cluster: 'c', connect_urls: ['a:4222', 'b:4222', 'c:4222'] }, true), { version: '2.10.24', clusterSize: 3, syncAlways: true })
  t.same(serverFacts(undefined, false).clusterSize, 1)
})

t.test('a service on the local nats-server: one warning; in production a refusal unless accepted', async (t) => {
  const nats = await startTestNats(t)
  const databaseUrl = await createTestDatabase(t)
  const env = (extra: Record<string, string>) => loadConfig({ DATABASE_URL: databaseUrl, NATS_URL: nats.url, ...extra }, []).natsDurability
  const build = (durability: ReturnType<typeof env>, logs: LogCapture) => createBaseApp({ name: 'x', errorPrefix: 'X', databaseUrl, natsUrl: nats.url, natsDurability: durability, logLevel: 'info', logStream: logs })

  const logs = new LogCapture()
  const app = await build(env({}), logs)
  t.teardown(() => app.close())
  const info = app.nats.info!
  const expected = durabilityRisks(serverFacts(info, false))
  t.ok(expected.length > 0, `this machine's nats-server ${info.version}, alone, has a risk`)
  const warnings = logs.text.split('\n').filter((l) => l.includes('NATS durability'))
  t.equal(warnings.length, 1, 'one warning')
  t.match(warnings[0], /"level":40/)
  t.match(warnings[0], /power loss/)
  t.match(warnings[0], /Fix: /)

  await t.rejects(build(env({ NODE_ENV: 'production' }), new LogCapture()), { code: 'NATS_DURABILITY_REFUSED', message: /refusing to start in production: .*NATS_ACCEPT_DURABILITY_RISK=true/ }, 'production refuses')

  const acceptedLogs = new LogCapture()
  const accepted = await build(env({ NODE_ENV: 'production', NATS_ACCEPT_DURABILITY_RISK: 'true' }), acceptedLogs)
  t.teardown(() => accepted.close())
  t.match(acceptedLogs.text, /NATS durability: .*\(accepted: NATS_ACCEPT_DURABILITY_RISK\)/, 'accepted: it starts and still says so')

  t.throws(() => env({ NATS_ACCEPT_DURABILITY_RISK: 'maybe' }), /NATS_ACCEPT_DURABILITY_RISK: must be true or false, got "maybe"/)
})
