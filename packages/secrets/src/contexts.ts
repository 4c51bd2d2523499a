// Sealing contexts: the second argument of KeyRing.seal/open (AES-GCM additional data) for
// every kind of secret stored sealed. The context binds a ciphertext to its row and purpose,
// so a value copied to another row or column does not open. Every service builds them
// here; the strings are part of the data already stored and must never change.

/**
 * `grant`, `access`, `refresh`: the add-on's partner authorization (protocol §6); `user-access`,
 * `user-refresh`: a Heroku user's authorization connected for autoscaling (protocol §21.3);
 * `webhook`: the secret of the add-on's webhook subscription (protocol §21.4).
 */
export type OAuthSecretKind = 'grant' | 'access' | 'refresh' | 'user-access' | 'user-refresh' | 'webhook'

export const contexts = {
  /** instances.log_input_url_enc: the app's log input URL, with its credentials (protocol §11.2). */
  logInputUrl: (uuid: string): string => `log_input_url:${uuid}`,
  /** instances.config_enc: the resource output (config vars, drain URL). */
  resourceConfig: (uuid: string): string => `config:${uuid}`,
  /** instances.response_body_enc: the once-only provision answer, replayed as it was. */
  provisionResponse: (uuid: string): string => `response:${uuid}`,
  /** The OAuth secrets of one instance (oauth_tokens, user_oauth_tokens, the webhook secret). */
  oauth: (uuid: string, kind: OAuthSecretKind): string => `oauth:${kind}:${uuid}`
} as const
