// The add-on manifest a provider is checked against (protocol §2): read from a file, shape
// checked just enough to run (the manifest rules judge the rest), and the URLs of the
// section under test: `test` (local endpoints, the default) or `production`.
import { readFileSync } from 'node:fs'

export interface ProviderManifest {
  id: string
  name?: string
  api: {
    version?: string
    config_vars_prefix?: string
    config_vars: string[]
    password: string
    sso_salt?: string
    regions?: string[]
    requires?: string[]
    production?: { base_url?: string, sso_url?: string } | string
    test?: { base_url?: string, sso_url?: string } | string
    username?: unknown
  }
}

export class ManifestError extends Error {
  constructor (message: string) { super(message); this.name = 'ManifestError' }
}

export function loadManifest (file: string): ProviderManifest {
  let text: string
  try { text = readFileSync(file, 'utf8') } catch (err) { throw new ManifestError(`cannot read the manifest ${file}: ${(err as Error).message}`) }
  let raw: any
  try { raw = JSON.parse(text) } catch (err) { throw new ManifestError(`${file} is not JSON: ${(err as Error).message}`) }
  if (raw === null || typeof raw !== 'object' || typeof raw.id !== 'string' || raw.api === null || typeof raw.api !== 'object') {
    throw new ManifestError(`${file}: a manifest needs "id" and an "api" object (protocol §2.1)`)
  }
  if (typeof raw.api.password !== 'string') throw new ManifestError(`${file}: api.password is missing; Heroku's Basic auth needs it`)
  if (!Array.isArray(raw.api.config_vars)) raw.api.config_vars = []
  return raw as ProviderManifest
}

export interface Endpoints {
  baseUrl: string
  ssoUrl?: string
}

/** base_url and sso_url of the section under test; throws ManifestError when base_url is missing. */
export function endpoints (m: ProviderManifest, section: 'test' | 'production'): Endpoints {
  const s = m.api[section]
  // v1 manifests held a plain URL: provisioning at <url>/heroku/resources (protocol §2.2).
  if (typeof s === 'string') return { baseUrl: `${s.replace(/\/+$/, '')}/heroku/resources` }
  if (!s?.base_url) throw new ManifestError(`the manifest has no api.${section}.base_url`)
  return { baseUrl: s.base_url.replace(/\/+$/, ''), ssoUrl: s.sso_url }
}
