// Sealing context of the OAuth secrets of one instance (grant code, access and refresh
// tokens), shared by the gateway that stores the grant and the allocator that uses it.
import type { KeyRing } from '@addonkit/secrets'

/**
 * `grant`, `access`, `refresh`: the add-on's partner authorization (spec §6); `user-access`,
 * `user-refresh`: a Heroku user's authorization connected for autoscaling (spec §21.3);
 * `webhook`: the secret of the add-on's webhook subscription (spec §21.4).
 */
export type OAuthSecretKind = 'grant' | 'access' | 'refresh' | 'user-access' | 'user-refresh' | 'webhook'

export function oauthAad (uuid: string, kind: OAuthSecretKind): string {
  return `oauth:${kind}:${uuid}`
}

export function sealGrantCode (ring: KeyRing, uuid: string, code: string): string {
  return ring.seal(code, oauthAad(uuid, 'grant'))
}
