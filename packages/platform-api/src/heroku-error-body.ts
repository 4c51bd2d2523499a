// Reads Heroku's JSON error body `{"id": "...", "message": "..."}` (protocol §3.8, §6) without
// trusting it: anything unreadable yields nothing, and messages are clipped to one line.

export interface HerokuErrorBody {
  id?: string
  message?: string
}

const MAX_MESSAGE = 300

export function readHerokuError (body: Buffer): HerokuErrorBody {
  let parsed: unknown
  try { parsed = JSON.parse(body.toString('utf8')) } catch { return {} }
  if (parsed === null || typeof parsed !== 'object') return {}
  const out: HerokuErrorBody = {}
  const { id, message, error } = parsed as Record<string, unknown>
  // The OAuth endpoint may answer in RFC 6749 shape (`error`) instead of Heroku's `id`.
  if (typeof id === 'string') out.id = id
  else if (typeof error === 'string') out.id = error
  if (typeof message === 'string') out.message = message.replace(/\s+/g, ' ').slice(0, MAX_MESSAGE)
  return out
}
