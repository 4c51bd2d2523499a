import t, { type Test } from 'tap'
import { postAppLogs } from '@addonkit/platform-api'
import { randomUUID } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { MAX_INFLATED } from '../src/logplex/log-input-route.js'
import { rawRequest, startSim } from './helper.js'

function frame (syslog: string): string {
  return `${Buffer.byteLength(syslog)} ${syslog}`
}

async function setup (t: Test): Promise<{ sim: Awaited<ReturnType<typeof startSim>>, uuid: string, url: string, auth: string }> {
  const sim = await startSim(t)
  const uuid = randomUUID()
  sim.registerAddon(uuid)
  const logUrl = new URL(sim.logInputUrl(uuid))
  t.equal(logUrl.username, 'token')
  t.match(logUrl.password, /^t\.[0-9a-f-]{36}$/)
  t.equal(sim.logInputUrl(uuid), logUrl.href, 'stable per add-on')
  const auth = `Basic ${Buffer.from(`${logUrl.username}:${logUrl.password}`).toString('base64')}`
  return { sim, uuid, url: `${sim.url}/logs`, auth }
}

const LINE1 = '<190>1 2024-05-01T12:00:00+00:00 abc app web.1 - - héllo ✓\n'
const LINE2 = '<190>1 2024-05-01T12:00:01.123456+00:00 abc app web.1 - - two words\n'

t.test('frames are parsed by byte count, multi-byte UTF-8 included', async (t) => {
  const { sim, uuid, url, auth } = await setup(t)
  const embedded = '<190>1 2024-05-01T12:00:02Z abc app run.1 - [x@1 a="\\]"] line\nwith LF'
  const body = frame(LINE1) + frame(LINE2) + frame(embedded)
  const res = await rawRequest(url, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/logplex-1', 'Logplex-Msg-Count': '3' }, body })
  t.equal(res.status, 204)
  const addon = sim.addons.get(uuid)!
  t.same(addon.logLines, ['héllo ✓', 'two words', 'line\nwith LF'])
  t.match(addon.logFrames[0], { pri: 190, timestamp: '2024-05-01T12:00:00+00:00', hostname: 'abc', appName: 'app', procId: 'web.1', msgId: '-', structuredData: '-' })
  t.equal(addon.logFrames[2]!.structuredData, '[x@1 a="\\]"]', 'an escaped ] stays inside SD')
})

t.test('credentials, content type, length and framing are enforced', async (t) => {
  const { sim, uuid, url, auth } = await setup(t)
  const headers = { Authorization: auth, 'Content-Type': 'application/logplex-1' }
  const post = (h: Record<string, string>, body: string, chunked = false): ReturnType<typeof rawRequest> => rawRequest(url, { method: 'POST', headers: h, body, chunked })
  t.equal((await post({ ...headers, Authorization: `Basic ${Buffer.from('token:t.wrong').toString('base64')}` }, frame(LINE1))).status, 401)
  t.equal((await post({ 'Content-Type': 'application/logplex-1' }, frame(LINE1))).status, 401)
  t.equal((await post({ ...headers, 'Content-Type': 'text/plain' }, frame(LINE1))).status, 415)
  t.equal((await post(headers, frame(LINE1), true)).status, 400, 'chunked')
  t.equal((await post({ ...headers, 'Logplex-Msg-Count': '2' }, frame(LINE1))).status, 400, 'count mismatch')
  // Counting characters instead of bytes (protocol §16.14) breaks the framing.
  t.equal((await post(headers, `${LINE1.length} ${LINE1}`)).status, 400, 'char count')
  t.equal((await post(headers, `${Buffer.byteLength(LINE1) + 5} ${LINE1}`)).status, 400, 'count past the end')
  t.equal((await post(headers, LINE1)).status, 400, 'no count')
  // The drain layout (no STRUCTURED-DATA) is not what the input accepts (§11.2).
  const noSd = '<190>1 2024-05-01T12:00:00+00:00 host app web.1 - hello\n'
  t.equal((await post(headers, frame(noSd))).status, 400, 'no SD field')
  t.equal((await post(headers, frame('<190>1 yesterday host app web.1 - - x\n'))).status, 400, 'bad timestamp')
  t.same(sim.addons.get(uuid)!.logLines, [], 'nothing stored from refused bodies')
  t.same(sim.calls.map((c) => c.status), [401, 401, 415, 400, 400, 400, 400, 400, 400, 400])
})

t.test('postAppLogs from the platform-api package is accepted byte for byte', async (t) => {
  const { sim, uuid } = await setup(t)
  await postAppLogs(sim.logInputUrl(uuid), [{ message: 'héllo ✓', procId: 'web.1' }, { message: 'a\nb' }], { addonId: uuid, userAgent: 'acme-logs (test)' })
  const addon = sim.addons.get(uuid)!
  t.same(addon.logLines, ['héllo ✓', 'a', 'b'])
  t.same(addon.logFrames.map((f) => [f.hostname, f.appName, f.procId]), [[uuid, 'app', 'web.1'], [uuid, 'app', uuid], [uuid, 'app', uuid]])
  t.equal(sim.calls[0]!.status, 204)
})

t.test('Content-Encoding: gzip is accepted (§11.2); a broken gzip body is 400, an unknown coding 415', async (t) => {
  const { sim, uuid, url, auth } = await setup(t)
  const headers = { Authorization: auth, 'Content-Type': 'application/logplex-1' }
  const plain = frame(LINE1) + frame(LINE2)
  const gz = gzipSync(Buffer.from(plain))
  const res = await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Encoding': 'gzip', 'Logplex-Msg-Count': '2' }, body: gz })
  t.equal(res.status, 204, 'gzip body accepted')
  t.same(sim.addons.get(uuid)!.logLines, ['héllo ✓', 'two words'])
  t.equal((await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Encoding': 'identity' }, body: frame(LINE1) })).status, 204, 'identity')
  t.equal((await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Encoding': 'gzip', 'Logplex-Msg-Count': '3' }, body: gz })).status, 400, 'the count is checked against the inflated frames')
  t.equal((await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Encoding': 'gzip' }, body: plain })).status, 400, 'not gzip')
  t.equal((await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gz.subarray(0, gz.length - 6) })).status, 400, 'truncated gzip')
  t.equal((await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gzipSync(Buffer.from(`${LINE1.length} ${LINE1}`)) })).status, 400, 'bad framing inside gzip')
  t.equal((await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Encoding': 'br' }, body: frame(LINE1) })).status, 415, 'unknown coding')
  t.equal((await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' }, body: gz })).status, 415, 'wrong Content-Type stays 415')
  const bomb = gzipSync(Buffer.alloc(MAX_INFLATED + 1, 0x20))
  t.equal((await rawRequest(url, { method: 'POST', headers: { ...headers, 'Content-Encoding': 'gzip' }, body: bomb })).status, 413, 'inflating past the bound')
  t.same(sim.addons.get(uuid)!.logLines, ['héllo ✓', 'two words', 'héllo ✓'], 'nothing stored from refused bodies')
})
