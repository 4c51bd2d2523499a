import t from 'tap'
import { loadConfig, EnvVarError, buildManifest, checkManifest } from '../src/index.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const good = {
  DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db',
  NATS_URL: 'nats://127.0.0.1:4222',
  ADDON_PASSWORD: 'a-long-enough-password',
  ADDON_SSO_SALT: 'salt-salt-salt-salt',
  ENCRYPTION_KEYS: 'k1:' + Buffer.alloc(32, 7).toString('base64')
}

t.test('a valid environment parses with defaults', async (t) => {
  const c = loadConfig(good, ['addonPassword', 'gatewayPort', 'gatewayPublicUrl', 'herokuApiUrl', 'syncBudgetMs', 'encryptionKeys'])
  t.equal(c.gatewayPort, 5000)
  t.equal(c.gatewayPublicUrl, 'http://127.0.0.1:5000')
  t.equal(c.herokuApiUrl, 'https://api.heroku.com')
  t.equal(c.syncBudgetMs, 2000)
  t.equal(c.encryptionKeys.primaryId, 'k1')
})

t.test('a missing or malformed variable is named in a one-line error', async (t) => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ DATABASE_URL: '' }, 'DATABASE_URL', /is required/],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL', /must use postgres: or postgresql:/],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', /not a valid URL/],
    [{ ADDON_PASSWORD: 'short' }, 'ADDON_PASSWORD', /8–72 characters/],
    [{ GATEWAY_PORT: 'eighty' }, 'GATEWAY_PORT', /whole number/],
    [{ ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }, 'ENCRYPTION_KEYS', /32 bytes/]
  ]
  for (const [override, name, msg] of cases) {
    const err = t.throws(() => loadConfig({ ...good, ...override }, ['addonPassword', 'gatewayPort', 'encryptionKeys'])) as unknown as EnvVarError
    t.equal(err.variable, name)
    t.match(err.message, msg)
    t.notMatch(err.message, /\n/)
  }
})

t.test('the manifest follows Heroku rules', async (t) => {
  const c = loadConfig(good, [])
  const m = buildManifest({ addon: c.addon, addonPassword: good.ADDON_PASSWORD, ssoSalt: good.ADDON_SSO_SALT, gatewayPublicUrl: 'https://gw.example.com', dashboardPublicUrl: 'https://dash.example.com', gatewayTestUrl: 'http://127.0.0.1:5000', dashboardTestUrl: 'http://127.0.0.1:5001' })
  t.same(checkManifest(m), [])
  t.equal(m.api.production.base_url, 'https://gw.example.com/heroku/resources')
  const local = { ...m, api: { ...m.api, production: m.api.test, password: 'x' } }
  const problems = checkManifest(local)
  t.ok(problems.some((p) => /https/.test(p)))
  t.ok(problems.some((p) => /8–72/.test(p)))
})

t.test('DRAIN_GROUP_PUBLISH: on by default, off turns it off, anything else is an error', async (t) => {
  t.equal(loadConfig(good, ['drainGroupPublish']).drainGroupPublish, true)
  t.equal(loadConfig({ ...good, DRAIN_GROUP_PUBLISH: ' OFF ' }, ['drainGroupPublish']).drainGroupPublish, false)
  t.equal(loadConfig({ ...good, DRAIN_GROUP_PUBLISH: 'on' }, ['drainGroupPublish']).drainGroupPublish, true)
  const err = t.throws(() => loadConfig({ ...good, DRAIN_GROUP_PUBLISH: 'yes' }, ['drainGroupPublish'])) as unknown as EnvVarError
  t.equal(err.variable, 'DRAIN_GROUP_PUBLISH')
  t.match(err.message, /must be on or off/)
})

t.test('TRUST_PROXY: nobody by default; addresses and CIDR ranges, or a hop count', async (t) => {
  const trust = (v?: string) => loadConfig(v === undefined ? good : { ...good, TRUST_PROXY: v }, ['trustProxy']).trustProxy
  t.equal(trust(), false, 'unset trusts nobody')
  t.equal(trust(''), false)
  t.equal(trust('  '), false)
  t.equal(trust('0'), false, 'zero hops trusts nobody')
  t.equal(trust('1'), 1)
  t.equal(trust(' 2 '), 2)
  t.same(trust('127.0.0.1'), ['127.0.0.1'])
  t.same(trust('127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,192.168.1.7/32'), ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.7/32'])

  const bad: Array<[string, string]> = [
    ['10.0.0.0/33', '"10.0.0.0/33"'],
    ['10.0.0.0/0', '"10.0.0.0/0"'],
    ['::1/129', '"::1/129"'],
    ['10.0.0.0/', '"10.0.0.0/"'],
    ['10.0.0.0/8x', '"10.0.0.0/8x"'],
    ['10.0.0/8', '"10.0.0/8"'],
    ['256.1.1.1', '"256.1.1.1"'],
    ['127.0.0.1,', '""'],
    ['127.0.0.1,proxy.internal', '"proxy.internal"'],
    ['true', '"true"'],
    ['loopback', '"loopback"'],
    ['-1', '"-1"'],
    ['1.5', '"1.5"'],
    ['10.0.0.1\nX-Evil: 1', '"10.0.0.1\\nX-Evil: 1"']
  ]
  for (const [value, named] of bad) {
    const err = t.throws(() => trust(value), `${JSON.stringify(value)} is refused`) as unknown as EnvVarError
    t.equal(err.variable, 'TRUST_PROXY')
    t.ok(err.message.startsWith('TRUST_PROXY: '), err.message)
    t.ok(err.message.includes(named), `names the bad entry ${named}`)
    t.match(err.message, /not an IP address or CIDR range/)
    t.notMatch(err.message, /\n/)
  }
})

t.test('DRAIN_TLS_CERT / DRAIN_TLS_KEY: both or neither, read once, PEM checked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
  writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n')
  const tls = (env: Record<string, string>) => loadConfig({ ...good, ...env }, ['drainTls']).drainTls
  t.equal(tls({}), null, 'plain HTTP by default')
  t.match(tls({ DRAIN_TLS_CERT: cert, DRAIN_TLS_KEY: key }), { cert: /BEGIN CERTIFICATE/, key: /BEGIN PRIVATE KEY/ })
  for (const [env, variable, why] of [
    [{ DRAIN_TLS_CERT: cert }, 'DRAIN_TLS_KEY', /must be set when DRAIN_TLS_CERT is/],
    [{ DRAIN_TLS_KEY: key }, 'DRAIN_TLS_CERT', /must be set when DRAIN_TLS_KEY is/],
    [{ DRAIN_TLS_CERT: join(dir, 'nope.pem'), DRAIN_TLS_KEY: key }, 'DRAIN_TLS_CERT', /cannot read .*nope\.pem: ENOENT/],
    [{ DRAIN_TLS_CERT: key, DRAIN_TLS_KEY: key }, 'DRAIN_TLS_CERT', /holds no PEM certificate/],
    [{ DRAIN_TLS_CERT: cert, DRAIN_TLS_KEY: cert }, 'DRAIN_TLS_KEY', /holds no PEM private key/]
  ] as const) {
    const err = (() => { try { tls(env as Record<string, string>); return null } catch (e) { return e as EnvVarError } })()
    t.ok(err instanceof EnvVarError, JSON.stringify(env))
    t.equal(err?.variable, variable)
    t.match(err?.message, why)
  }
})
