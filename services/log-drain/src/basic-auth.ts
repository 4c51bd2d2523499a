// Reads HTTP Basic credentials (RFC 7617). Logplex sends them from the drain URL's
// user:pass (protocol §11.1); apps send the ones in the add-on's URL config var.
export interface BasicCredentials { user: string, pass: string }

export function basicCredentials (header: string | undefined): BasicCredentials | null {
  if (typeof header !== 'string' || header.length > 1024) return null
  const m = /^Basic[ ]+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)
  if (!m) return null
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 0) return null
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) }
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType (header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase()
}
