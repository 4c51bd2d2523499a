// The signature Heroku puts on every webhook delivery (protocol §21.4):
// `Heroku-Webhook-Hmac-SHA256: base64(HMAC-SHA256(secret, raw body))`. A receiver must
// verify it over the raw bytes it received, in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto'

export function signWebhookBody (secret: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64')
}

export function verifyWebhookSignature (secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  if (header === undefined) return false
  const expected = Buffer.from(signWebhookBody(secret, rawBody))
  const given = Buffer.from(header)
  return expected.length === given.length && timingSafeEqual(expected, given)
}
