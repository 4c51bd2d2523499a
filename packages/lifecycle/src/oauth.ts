// Sealing context of the OAuth secrets of one instance (grant code, access and refresh
// tokens), shared by the gateway that stores the grant and the allocator that uses it.
import type { KeyRing } from '@addonkit/secrets'

export type OAuthSecretKind = 'grant' | 'access' | 'refresh'

export function oauthAad (uuid: string, kind: OAuthSecretKind): string {
  return `oauth:${kind}:${uuid}`
}

export function sealGrantCode (ring: KeyRing, uuid: string, code: string): string {
  return ring.seal(code, oauthAad(uuid, 'grant'))
}
