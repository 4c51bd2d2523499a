// HTTP Basic auth of Heroku's calls: user = add-on id, password = ADDON_PASSWORD, compared
// in constant time (protocol §3.2). Anything else is 401.
import type { FastifyRequest } from 'fastify'
import { safeEqual } from '@addonkit/secrets'
import { Unauthorized } from './errors.js'

export function basicAuth (addonId: string, password: string) {
  return async function checkBasicAuth (req: FastifyRequest): Promise<void> {
    const header = req.headers.authorization ?? ''
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim())
    let user = ''
    let pass = ''
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
      const i = decoded.indexOf(':')
      if (i >= 0) { user = decoded.slice(0, i); pass = decoded.slice(i + 1) }
    }
    // Both comparisons always run, so timing does not tell which part was wrong.
    const okUser = safeEqual(user, addonId)
    const okPass = safeEqual(pass, password)
    if (!(okUser && okPass)) throw new Unauthorized()
  }
}
