// id.heroku.com's bookkeeping (protocol §6, §21.3): single-use codes, access tokens and refresh
// tokens, each bound to a principal. A partner principal is one add-on resource (its grant
// comes in the provision request); a user principal is a person who approved the OAuth
// client at /oauth/authorize, with the scopes approved, under one authorization. Revoking an
// authorization removes its tokens. Tokens of a deprovisioned add-on stay valid (the API then
// refuses changes with 422), as the sim always did.
import { randomUUID } from 'node:crypto'
import type { IssuedGrant, OAuthScope, SimAuthorization } from '../types.js'

export type Principal =
  | { kind: 'partner', uuid: string }
  | { kind: 'user', userId: string, scopes: OAuthScope[], authorizationId: string }

export type TokenCheck = { ok: true, principal: Principal } | { ok: false, reason: 'missing' | 'unknown' | 'expired' }

/** Which client a code or refresh token was issued to: the add-on's own, or the third-party OAuth client. */
export type ClientKind = 'partner' | 'user'

interface Code { principal: Principal, expiresAt: number, used: boolean }
interface AccessToken { principal: Principal, expiresAt: number }

/**
 * `oauth_grant.expires_at` as Heroku writes it (protocol §4.1, `2025-03-03T18:01:31-0800`):
 * ISO 8601 to the second with a colon-less offset, here UTC, e.g. `2026-12-07T07:01:31+0000`.
 * Date.parse reads it back.
 */
export function grantExpiry (ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`
}

export class TokenStore {
  /** Live user authorizations, by id. */
  readonly authorizations = new Map<string, SimAuthorization>()
  readonly #codes = new Map<string, Code>()
  readonly #accessTokens = new Map<string, AccessToken>()
  readonly #refreshTokens = new Map<string, Principal>()

  constructor (private readonly grantTtlMs: number, readonly accessTtlSeconds: number) {}

  issueGrant (uuid: string, opts: { expired?: boolean } = {}): IssuedGrant {
    const code = randomUUID()
    const expiresAt = opts.expired === true ? Date.now() - 60_000 : Date.now() + this.grantTtlMs
    this.#codes.set(code, { principal: { kind: 'partner', uuid }, expiresAt, used: false })
    return { code, expires_at: grantExpiry(expiresAt), type: 'authorization_code' }
  }

  /** A code for a user's new authorization (what /oauth/authorize redirects with). */
  issueUserCode (authorization: SimAuthorization): string {
    this.authorizations.set(authorization.id, authorization)
    const code = randomUUID()
    const principal: Principal = { kind: 'user', userId: authorization.user.id, scopes: [...authorization.scope], authorizationId: authorization.id }
    this.#codes.set(code, { principal, expiresAt: Date.now() + this.grantTtlMs, used: false })
    return code
  }

  /** The client a code belongs to, without using it up; undefined for an unknown code. */
  codeClient (code: string): ClientKind | undefined {
    return this.#codes.get(code)?.principal.kind
  }

  /** Consumes a code; its principal, or why it is refused. */
  redeemCode (code: string): { principal: Principal } | { problem: string } {
    const found = this.#codes.get(code)
    if (!found) return { problem: 'unknown grant code' }
    if (found.used) return { problem: 'grant code already used' }
    if (found.expiresAt <= Date.now()) return { problem: 'grant code expired' }
    if (found.principal.kind === 'user' && !this.authorizations.has(found.principal.authorizationId)) return { problem: 'the authorization was revoked' }
    found.used = true
    return { principal: found.principal }
  }

  /** Mints an access token; the refresh token is minted once per authorization and reused. */
  mint (principal: Principal, refreshToken: string = randomUUID()): { accessToken: string, refreshToken: string } {
    const accessToken = randomUUID()
    this.#accessTokens.set(accessToken, { principal, expiresAt: Date.now() + this.accessTtlSeconds * 1000 })
    this.#refreshTokens.set(refreshToken, principal)
    return { accessToken, refreshToken }
  }

  refreshPrincipal (refreshToken: string): Principal | undefined {
    return this.#refreshTokens.get(refreshToken)
  }

  check (token: string | undefined): TokenCheck {
    if (token === undefined || token === '') return { ok: false, reason: 'missing' }
    const found = this.#accessTokens.get(token)
    if (!found) return { ok: false, reason: 'unknown' }
    if (found.expiresAt <= Date.now()) return { ok: false, reason: 'expired' }
    return { ok: true, principal: found.principal }
  }

  /** The principal behind a token even if it expired (whose rate-limit bucket it spends). */
  holder (token: string | undefined): Principal | undefined {
    return token === undefined ? undefined : this.#accessTokens.get(token)?.principal
  }

  expireAll (): void {
    const past = Date.now() - 1000
    for (const t of this.#accessTokens.values()) t.expiresAt = past
  }

  /** Drops every token and code of one add-on: a Heroku with no record of its grant. */
  forgetAddon (uuid: string): void {
    const its = (p: Principal) => p.kind === 'partner' && p.uuid === uuid
    for (const [k, v] of this.#accessTokens) if (its(v.principal)) this.#accessTokens.delete(k)
    for (const [k, v] of this.#refreshTokens) if (its(v)) this.#refreshTokens.delete(k)
    for (const [k, v] of this.#codes) if (its(v.principal)) this.#codes.delete(k)
  }

  /** Removes the authorization and every token and unused code under it. */
  revoke (authorizationId: string): SimAuthorization | undefined {
    const authorization = this.authorizations.get(authorizationId)
    if (!authorization) return undefined
    this.authorizations.delete(authorizationId)
    const under = (p: Principal) => p.kind === 'user' && p.authorizationId === authorizationId
    for (const [k, v] of this.#accessTokens) if (under(v.principal)) this.#accessTokens.delete(k)
    for (const [k, v] of this.#refreshTokens) if (under(v)) this.#refreshTokens.delete(k)
    for (const [k, v] of this.#codes) if (under(v.principal)) this.#codes.delete(k)
    return authorization
  }
}
