// postAddonLogEvent: the one writer of add-on events into an app's log stream. It opens the
// sealed log_input_url with its context, names the add-on in the User-Agent the same way
// for every service, and skips instances without a URL.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import type { Db } from '@addonkit/db'
import { KeyRing } from '@addonkit/secrets'
import { addonUserAgent, postAddonLogEvent } from '../src/index.js'
import { startServer } from './helper.js'

const UUID = '01234567-89ab-cdef-0123-456789abcdef'
const ADDON = { id: 'acme-logs', name: 'Acme Logs' }
const newKeyRing = () => new KeyRing({ primaryId: 'k1', keys: new Map([['k1', randomBytes(32)]]) })

/** A Db whose pool answers the one query with the given sealed URL (or no row). */
function fakeDb (sealed: string | null | undefined, seen: unknown[][] = []): Db {
  const query = async (_sql: string, params: unknown[]) => {
    seen.push(params)
    return { rows: sealed === undefined ? [] : [{ log_input_url_enc: sealed }] }
  }
  return { pool: { query } } as unknown as Db
}

t.test('the User-Agent names the add-on by name and manifest id', async (t) => {
  t.equal(addonUserAgent(ADDON), 'Acme Logs (addonkit; acme-logs)')
})

t.test('posts one line to the sealed URL, Basic auth, the shared User-Agent', async (t) => {
  const srv = await startServer((_req, res) => { res.writeHead(204); res.end() })
  t.teardown(srv.close)
  const keyRing = newKeyRing()
  const url = srv.url.replace('http://', 'http://token:t.abc@') + '/logs'
  const seen: unknown[][] = []
  const db = fakeDb(keyRing.seal(url, `log_input_url:${UUID}`), seen)
  t.equal(await postAddonLogEvent({ db, keyRing, addon: ADDON }, UUID, 'provisioned'), true)
  t.equal(await postAddonLogEvent({ db, keyRing, addon: ADDON }, UUID, 'quota reached', { procId: 'addonkit' }), true)
  t.same(seen, [[UUID], [UUID]])
  t.equal(srv.requests.length, 2)
  for (const req of srv.requests) {
    t.equal(req.headers['user-agent'], 'Acme Logs (addonkit; acme-logs)')
    t.equal(req.headers.authorization, `Basic ${Buffer.from('token:t.abc').toString('base64')}`)
  }
  t.match(srv.requests[0]!.body.toString(), new RegExp(` ${UUID} app ${UUID} - - provisioned\\n$`), 'PROCID defaults to the instance uuid')
  t.match(srv.requests[1]!.body.toString(), new RegExp(` ${UUID} app addonkit - - quota reached\\n$`))
})

t.test('an instance without a log input URL is skipped; a URL sealed for another instance does not open', async (t) => {
  const keyRing = newKeyRing()
  t.equal(await postAddonLogEvent({ db: fakeDb(null), keyRing, addon: ADDON }, UUID, 'x'), false)
  t.equal(await postAddonLogEvent({ db: fakeDb(undefined), keyRing, addon: ADDON }, UUID, 'x'), false)
  const other = keyRing.seal('http://127.0.0.1:9/logs', 'log_input_url:another')
  await t.rejects(postAddonLogEvent({ db: fakeDb(other), keyRing, addon: ADDON }, UUID, 'x'), { name: 'DecryptionError' })
})
