// The simulator's control API, for a Heroku played from another process (`npm run demo`
// against `npm start`): create an add-on Heroku is about to provision (with a fresh grant,
// log input URL and drain token), read an add-on's state, and slow down a path.
import { randomUUID } from 'node:crypto'
import type { FaultInjector } from './fault-injection.js'
import { herokuError, type SimReply } from './sim-http.js'
import type { SimState } from './sim-state.js'

export interface ControlDeps {
  state: SimState
  faults: FaultInjector
  logInputUrl: (uuid: string) => string
  apiUrl: () => string
}

export function handleControl (deps: ControlDeps, method: string, path: string, body: unknown): SimReply {
  const b = (body ?? {}) as Record<string, unknown>
  if (method === 'POST' && path === '/_sim/addons') {
    const uuid = randomUUID()
    const plan = typeof b.plan === 'string' ? b.plan : 'hobby'
    const addon = deps.state.registerAddon(uuid, { plan })
    return {
      status: 201,
      body: {
        uuid,
        name: addon.name,
        plan,
        region: 'amazon-web-services::us-east-1',
        callback_url: `${deps.apiUrl()}/addons/${uuid}`,
        oauth_grant: deps.state.issueGrant(uuid),
        options: {},
        log_input_url: deps.logInputUrl(uuid),
        log_drain_token: `d.${randomUUID()}`
      }
    }
  }
  const m = /^\/_sim\/addons\/([0-9a-f-]{36})$/.exec(path)
  if (method === 'GET' && m) {
    const addon = deps.state.addons.get(m[1]!)
    return addon ? { status: 200, body: addon } : herokuError(404, 'not_found', 'No such add-on in the simulator.')
  }
  if (method === 'POST' && path === '/_sim/delay') {
    // Delays the next request whose path matches `path_regex` by `ms` milliseconds.
    const pattern = new RegExp(String(b.path_regex ?? '^$'))
    const ms = Math.min(60_000, Math.max(0, Number(b.ms ?? 0)))
    const held = deps.faults.hold(pattern)
    void held.arrived.then(() => setTimeout(() => held.release(), ms))
    return { status: 202, body: { delayed: String(pattern), ms } }
  }
  return herokuError(404, 'not_found', `No such control route: ${method} ${path}`)
}
