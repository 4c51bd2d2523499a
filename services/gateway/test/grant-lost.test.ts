// A grant code works once. An allocator that exchanged it and died before storing the tokens
// leaves a code Heroku refuses on the retry. The provision must still complete: the
// synchronous answer needs no Platform API token. The lost grant is recorded (audit), not
// hidden. Found by the model-based test (model.test.ts: an allocator SIGKILLed mid-provision
// left a provision failed with "grant code already used").
import t from 'tap'
import { loadConfig } from '@addonkit/config'
import { KeyRing, contexts } from '@addonkit/secrets'
import { eventually } from '@addonkit/testkit'
import { startStack } from './helper.js'

t.test('a grant used by a crashed attempt: the retry provisions without it and says so', async (t) => {
  const s = await startStack(t, { allocator: 'none', env: { SYNC_BUDGET_MS: '10000' } })
  const ring = new KeyRing(loadConfig(s.env, ['encryptionKeys']).encryptionKeys)
  const pending = s.heroku.provision()
  // The request is recorded; the allocator is not running yet.
  const row = await eventually(async () => (await s.db.pool.query<{ instance_uuid: string, grant_code_enc: string }>('SELECT instance_uuid, grant_code_enc FROM oauth_tokens WHERE grant_code_enc IS NOT NULL')).rows[0])
  const uuid = row.instance_uuid
  // What the crashed attempt did: it claimed the operation and exchanged the code...
  const code = ring.open(row.grant_code_enc, contexts.oauth(uuid, 'grant'))
  const exchanged = await fetch(`${s.sim.idUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_secret: s.env.HEROKU_CLIENT_SECRET! }).toString()
  })
  t.equal(exchanged.status, 200, 'the code is used (its tokens died with the attempt)')
  await s.db.pool.query("UPDATE operations SET attempts = 1 WHERE instance_uuid = $1 AND kind = 'provision'", [uuid])
  // ...and a fresh allocator retries it.
  await s.startAllocator()
  const r = await pending
  t.equal(r.status, 200, 'Heroku gets the synchronous answer')
  t.ok((r.body as { config?: Record<string, string> }).config?.ADDONKIT_URL, 'with the config')
  const op = await eventually(async () => {
    const o = (await s.db.pool.query<{ status: string, attempts: number }>("SELECT status, attempts FROM operations WHERE instance_uuid = $1 AND kind = 'provision'", [uuid])).rows[0]!
    return o.status === 'succeeded' || o.status === 'failed' ? o : null
  })
  t.same(op, { status: 'succeeded', attempts: 2 }, 'the provision succeeds on its second attempt')
  const inst = await s.db.prisma.instance.findUniqueOrThrow({ where: { uuid } })
  t.equal(inst.state, 'provisioned')
  const lost = await s.db.prisma.auditEvent.findMany({ where: { instanceUuid: uuid, event: 'grant_exchanged' } })
  t.match(lost, [{ outcome: 'failed', detail: { result: 'lost', reason: /attempt 2.*grant code already used/ } }], 'the lost grant is in the audit log, with the reason')
  const tokens = await s.db.prisma.oAuthToken.findUnique({ where: { instanceUuid: uuid } })
  t.equal(tokens?.accessTokenEnc ?? null, null, 'no Platform API token is pretended')
})
