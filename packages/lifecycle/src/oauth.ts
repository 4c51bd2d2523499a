// The grant code Heroku sent with a provision, sealed as the gateway stores it and the
// allocator opens it (its sealing context: @addonkit/secrets contexts.oauth).
import { contexts, type KeyRing } from '@addonkit/secrets'

export type { OAuthSecretKind } from '@addonkit/secrets'

export function sealGrantCode (ring: KeyRing, uuid: string, code: string): string {
  return ring.seal(code, contexts.oauth(uuid, 'grant'))
}
