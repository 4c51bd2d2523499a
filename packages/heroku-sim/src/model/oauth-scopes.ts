// Heroku's OAuth scopes (protocol §21.3, Dev Center "OAuth"): `identity` reads the account
// only; `read` and `write` cover apps without their config vars; `read-protected` and
// `write-protected` include config vars; `global` is everything. Reading a formation needs
// any app scope; changing it needs `write`, `write-protected` or `global`.
import type { OAuthScope } from '../types.js'

export const OAUTH_SCOPES: readonly OAuthScope[] = ['global', 'identity', 'read', 'write', 'read-protected', 'write-protected']

/**
 * The scopes of an authorize request, split on commas and spaces, sorted and de-duplicated
 * as id.heroku.com does (heroku/identity auth.rb); undefined when one is unknown.
 */
export function parseScopes (param: string): OAuthScope[] | undefined {
  const names = [...new Set(param.split(/[, ]+/).filter((s) => s !== ''))].sort()
  if (names.length === 0 || !names.every((s) => (OAUTH_SCOPES as readonly string[]).includes(s))) return undefined
  return names as OAuthScope[]
}

export function canReadApps (scopes: readonly OAuthScope[]): boolean {
  return scopes.some((s) => s !== 'identity')
}

export function canWriteApps (scopes: readonly OAuthScope[]): boolean {
  return scopes.some((s) => s === 'global' || s === 'write' || s === 'write-protected')
}
