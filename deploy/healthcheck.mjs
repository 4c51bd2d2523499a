#!/usr/bin/env node
// The image's HEALTHCHECK: one image runs any of the services, so this reads which one
// PID 1 started (its command line) and asks that service's /healthz on its port (the same
// variables and defaults as packages/config). Exit 0 healthy, 1 not.
import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

const SERVICES = [
  { match: 'services/log-drain/dist/writer-server.js', portVar: 'DRAIN_WRITER_PORT', port: 5012 },
  { match: 'services/log-drain/dist/server.js', portVar: 'DRAIN_PORT', port: 5002, tls: true },
  { match: 'services/gateway/dist/server.js', portVar: 'GATEWAY_PORT', port: 5000 },
  { match: 'services/dashboard/dist/server.js', portVar: 'DASHBOARD_PORT', port: 5001 },
  { match: 'services/allocator/dist/server.js', portVar: 'ALLOCATOR_PORT', port: 5003 }
]

let cmdline = ''
try { cmdline = readFileSync('/proc/1/cmdline', 'utf8').replaceAll('\0', ' ') } catch {}
const service = SERVICES.find((s) => cmdline.includes(s.match))
if (service === undefined) {
  console.error(`healthcheck: no Addonkit service in PID 1's command line (${cmdline.trim() || 'unreadable'})`)
  process.exit(1)
}
const port = Number(process.env[service.portVar]?.trim() || service.port)
// The log-drain serves HTTPS itself when DRAIN_TLS_CERT is set (its own certificate: not verified here).
const https = service.tls === true && (process.env.DRAIN_TLS_CERT?.trim() ?? '') !== ''
const req = (https ? httpsRequest : httpRequest)({ host: '127.0.0.1', port, path: '/healthz', timeout: 2500, rejectUnauthorized: false }, (res) => {
  res.resume()
  process.exit(res.statusCode === 200 ? 0 : 1)
})
req.on('timeout', () => { req.destroy(); process.exit(1) })
req.on('error', (err) => { console.error(`healthcheck: ${err.message}`); process.exit(1) })
req.end()
