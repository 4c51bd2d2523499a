// A self-signed certificate for 127.0.0.1 and localhost, made once into a directory and
// reused, so that `npm start` can serve its drains over https as Heroku requires (spec
// §4.2, §11.1): clients of the local platform trust this one certificate (heroku-sim.json
// names it; `addonkit check` and `npm run demo` read it there). Made with `selfsigned`
// (native WebCrypto), since a fresh machine need not have openssl.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { join } from 'node:path'
import selfsigned from 'selfsigned'

export interface LocalTls {
  certFile: string
  keyFile: string
  cert: string
}

/** The certificate in `dir` (cert.pem, key.pem), made when missing or within 30 days of expiry. */
export async function localTlsCertificate (dir: string): Promise<LocalTls> {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8')
    if (Date.parse(new X509Certificate(cert).validTo) > Date.now() + 30 * 86_400_000) return { certFile, keyFile, cert }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const notAfter = new Date(Date.now() + 825 * 86_400_000)
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'Addonkit local platform' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }
    ]
  })
  writeFileSync(keyFile, pems.private, { mode: 0o600 })
  writeFileSync(certFile, pems.cert)
  return { certFile, keyFile, cert: pems.cert }
}
