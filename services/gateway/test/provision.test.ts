// Spec §18 items 1–7 and the concurrency guarantee, against the real stack.
import t from 'tap'
import { countTenants } from '@addonkit/log-store'
import { randomUUID } from 'node:crypto'
import { startStack } from './helper.js'

t.test('provisioning conformance', async (t) => {
  const s = await startStack(t, { env: { DRAIN_PUBLIC_URL: 'https://drain.example.com' } })
  const manifestVars = s.sim.manifest.api.config_vars

  t.test('1. missing or wrong Basic auth → 401 on POST, PUT and DELETE', async (t) => {
    const wrong = 'Basic ' + Buffer.from(`${s.sim.manifest.id}:wrong-password`).toString('base64')
    for (const auth of ['', wrong, 'Bearer abc', 'Basic !!!']) {
      const p = await s.heroku.provision({ auth })
      t.equal(p.status, 401, `POST with "${auth.slice(0, 12)}"`)
    }
    const uuid = randomUUID()
    for (const method of ['PUT', 'DELETE']) {
      const r = await fetch(`${s.gatewayUrl}/heroku/resources/${uuid}`, { method, headers: { authorization: wrong, 'content-type': 'application/json' }, body: method === 'PUT' ? '{"plan":"pro"}' : undefined })
      t.equal(r.status, 401, method)
    }
    t.equal(await s.db.prisma.instance.count(), 0, 'nothing stored')
  })

  t.test('2, 5. a valid v3 body with an unknown field → 200 with config and drain URL', async (t) => {
    const r = await s.heroku.provision({ extra: { some_future_field: { x: 1 } } })
    t.equal(r.status, 200)
    t.equal(r.body.id, r.uuid, 'the provider id is the Heroku uuid')
    t.type(r.body.message, 'string')
    const keys = Object.keys(r.body.config)
    t.ok(keys.length > 0)
    for (const k of keys) {
      t.ok(manifestVars.includes(k), `${k} is in the manifest`)
      t.type(r.body.config[k], 'string')
      if (k.endsWith('_URL')) {
        const u = new URL(r.body.config[k])
        t.ok(u.protocol && u.hostname && u.hostname !== 'localhost', `${k} is an absolute non-localhost URL`)
      }
    }
    t.match(r.body.log_drain_url, /^(https|syslog):\/\/\S+$/)
    t.equal((await s.heroku.waitForState(r.uuid, 'provisioned')).state, 'provisioned')
  })

  t.test('3. the same uuid twice → same answer, one resource', async (t) => {
    const first = await s.heroku.provision()
    const again = await s.heroku.replay(first.request)
    t.equal(again.status, first.status)
    t.same(again.body, first.body)
    t.equal(await countTenants(s.db.pool, first.uuid), 1)
    t.equal(await s.db.prisma.operation.count({ where: { instanceUuid: first.uuid, kind: 'provision' } }), 1)
  })

  t.test('4. different uuids → different ids', async (t) => {
    const a = await s.heroku.provision()
    const b = await s.heroku.provision()
    t.not(a.body.id, b.body.id)
    // The same body again with only the uuid changed (its grant code already used, its drain
    // token another add-on's): Heroku never repeats a token, but nothing in the protocol
    // refuses it, and a test built from one template would send exactly this.
    const uuid = randomUUID()
    const c = await s.heroku.send(s.heroku.request('POST', undefined, { ...(a.request.body as Record<string, unknown>), uuid }))
    t.equal(c.status, 200, JSON.stringify(c.body))
    t.equal(c.body.id, uuid)
    t.not(c.body.log_drain_url, a.body.log_drain_url, 'its own drain credentials')
    t.equal(await countTenants(s.db.pool, uuid), 1)
  })

  t.test('6. unsupported plan, region or options → 422 with a message', async (t) => {
    const cases = [
      { plan: 'enterprise-xl' },
      { region: 'amazon-web-services::ap-northeast-1' },
      { options: { retention_days: 'forever' } },
      { options: { retention_days: '0', colour: 'blue' } }
    ]
    for (const c of cases) {
      const r = await s.heroku.provision(c)
      t.equal(r.status, 422, JSON.stringify(c))
      t.ok(typeof r.body.message === 'string' && r.body.message.length > 10, r.body.message)
    }
    const bad = await fetch(`${s.gatewayUrl}/heroku/resources`, { method: 'POST', headers: { authorization: 'Basic ' + Buffer.from(`${s.sim.manifest.id}:${s.env.ADDON_PASSWORD}`).toString('base64'), 'content-type': 'application/json' }, body: '{"uuid":"not-a-uuid","plan":"hobby","region":"x"}' })
    t.equal(bad.status, 422)
    const broken = await fetch(`${s.gatewayUrl}/heroku/resources`, { method: 'POST', headers: { authorization: 'Basic ' + Buffer.from(`${s.sim.manifest.id}:${s.env.ADDON_PASSWORD}`).toString('base64'), 'content-type': 'application/json' }, body: '{"uuid":' })
    t.equal(broken.status, 400)
  })

  // Response times are measured by the provisioning benchmark (bench/provision.ts, p50/p99
  // against a bare route), not asserted here: a timing on a shared machine is not a function.
  t.test('7. 40 provisions in a row: each answered 200 or 202 and provisioned', async (t) => {
    for (let i = 0; i < 40; i++) {
      const r = await s.heroku.provision()
      if (r.status !== 200 && r.status !== 202) t.fail(`status ${r.status}`)
      await s.heroku.waitForState(r.uuid, 'provisioned')
    }
    t.pass('40 provisioned')
  })

  t.test('20 concurrent identical provisions → one tenant, 20 identical answers', async (t) => {
    // One request, built like the driver builds it, sent 20 times at once.
    const template = (await s.heroku.provision()).request
    const uuid = randomUUID()
    s.sim.registerAddon(uuid, { plan: 'hobby' })
    const request = { ...template, body: { ...template.body, uuid, oauth_grant: s.sim.issueGrant(uuid), log_drain_token: `d.${randomUUID()}` } }
    const first = { uuid, request }
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.heroku.replay(request)))
    const statuses = new Set(answers.map((a) => a.status))
    t.equal(statuses.size, 1, `statuses ${[...statuses]}`)
    t.ok([200, 202].includes(answers[0]!.status))
    for (const a of answers) t.same(a.body, answers[0]!.body)
    t.equal(await s.db.prisma.instance.count({ where: { uuid: first.uuid } }), 1)
    t.equal(await countTenants(s.db.pool, first.uuid), 1)
    const exchanges = s.sim.calls.filter((c) => c.path.endsWith('/oauth/token') && c.status === 200)
    t.equal(exchanges.filter((c) => JSON.stringify(c.body ?? '').includes(request.body.oauth_grant.code)).length, 1, 'the grant was exchanged once')
  })

  t.test('a replay with a different plan → 409; a request for a deprovisioned uuid → 410', async (t) => {
    const first = await s.heroku.provision({ plan: 'hobby' })
    const other = await s.heroku.replay({ ...first.request, body: { ...first.request.body, plan: 'pro' } })
    t.equal(other.status, 409)
    t.match(other.body.message, /already provisioned on the hobby plan/)
    t.equal((await s.heroku.deprovision(first.uuid)).status, 204)
    t.equal((await s.heroku.replay(first.request)).status, 410)
    t.equal((await s.heroku.changePlan(first.uuid, 'pro')).status, 410)
  })
})
