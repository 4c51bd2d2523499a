// The headers Heroku puts on every Add-on Partner API v3 request it sends a provider, on
// every verb, with or without a body (protocol §3.2, §3.3): a JSON Content-Type, the v3 vendor
// Accept, and Basic auth (added per request). The User-Agent's exact text is not in the
// stored sources [UNCONFIRMED]; providers must not depend on it, so the sim sends one that
// names Heroku and changes nothing else.
export const HEROKU_PARTNER_ACCEPT = 'application/vnd.heroku-addons+json; version=3'
export const HEROKU_PARTNER_USER_AGENT = 'Heroku-Addons/3 (+https://devcenter.heroku.com/articles/add-on-partner-api-reference)'

export const HEROKU_PARTNER_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'application/json',
  Accept: HEROKU_PARTNER_ACCEPT,
  'User-Agent': HEROKU_PARTNER_USER_AGENT
})

/** The Authorization header Heroku sends: `Basic base64(id:password)` (protocol §3.2). */
export function herokuBasicAuth (addonId: string, password: string): string {
  return `Basic ${Buffer.from(`${addonId}:${password}`).toString('base64')}`
}
