// DRAIN_TLS_CERT / DRAIN_TLS_KEY: the log-drain serves its drains and data API over https
// (Heroku wants https drain URLs, protocol §4.2, §11.1), the drain URL handed out at
// provisioning says https, and a Logplex sender that trusts the certificate is stored.
import t from 'tap'
import http from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localTlsCertificate } from '@addonkit/infra'
import { eventually, startDrainStack } from './helper.js'

t.test('with a certificate the drain is https only, and a sender trusting it is stored', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-drain-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const tls = await localTlsCertificate(dir)
  t.equal((await localTlsCertificate(dir)).cert, tls.cert, 'made once, then reused')
  const stack = await startDrainStack(t, { env: { DRAIN_TLS_CERT: tls.certFile, DRAIN_TLS_KEY: tls.keyFile } })
  t.match(stack.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  const tenant = await stack.tenant()
  t.match(tenant.drainUrl, /^https:\/\//, 'the drain URL handed out says https')

  const sender = tenant.sender({ ca: tls.cert })
  sender.push([{ message: 'over TLS' }, { message: 'second line, é' }])
  await sender.flush()
  t.equal(sender.counters.acknowledgedLines, 2)
  await eventually(async () => (await stack.storedCount(tenant)) === 2)

  const untrusting = tenant.sender({ maxAttempts: 1 })
  untrusting.push([{ message: 'from a sender that does not trust the certificate' }])
  await untrusting.flush()
  t.equal(untrusting.counters.acknowledgedLines, 0, 'a client that does not trust the certificate gets nothing through')

  const port = new URL(stack.url).port
  const plain = await new Promise<string>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/healthz', timeout: 3000 }, (res) => resolve(`answered ${res.statusCode}`))
    req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`))
    req.on('timeout', () => { req.destroy(); resolve('timeout') })
    req.end()
  })
  t.notMatch(plain, /answered 2\d\d/, `plain HTTP is not served on the TLS port (${plain})`)
})
