// The manifest rules (protocol §2.2, kensa's ManifestCheck §17.1): judged on the file alone.
import { type CheckContext, verdict } from '../check-context.js'

const KNOWN_REQUIRES = new Set(['log_input', 'syslog_drain', 'many_per_app'])

export async function manifestChecks (ctx: CheckContext): Promise<void> {
  const m = ctx.manifest
  const api = m.api
  verdict(ctx, 'manifest.id', /^[a-z][a-z0-9-]*$/.test(m.id) ? undefined : `id ${JSON.stringify(m.id)} is not a lower-case slug`)
  verdict(ctx, 'manifest.api-version', String(api.version) === '3' ? undefined : `api.version is ${JSON.stringify(api.version ?? null)}, not "3" (v1 reached end of life on 3 July 2023)`)
  const len = api.password.length
  verdict(ctx, 'manifest.password', len >= 8 && len <= 72 ? undefined : `api.password has ${len} characters`)
  const prefix = `${api.config_vars_prefix ?? m.id.toUpperCase().replace(/-/g, '_')}_`
  const badVar = api.config_vars.find((v) => typeof v !== 'string' || !/^[A-Z][0-9A-Z_]+$/.test(v) || !v.startsWith(prefix))
  verdict(ctx, 'manifest.config-vars', badVar === undefined ? undefined : `config var ${JSON.stringify(badVar)} does not match ^[A-Z][0-9A-Z_]+$ or does not start with ${prefix}`)
  const regions = api.regions
  verdict(ctx, 'manifest.regions', Array.isArray(regions) && regions.length > 0 && (regions.includes('us') || regions.includes('*'))
    ? undefined
    : `api.regions is ${JSON.stringify(regions ?? null)}; kensa wants "us" or "*" in it`)
  const unknown = (api.requires ?? []).filter((r) => !KNOWN_REQUIRES.has(r))
  verdict(ctx, 'manifest.requires', unknown.length === 0 ? undefined : `unknown features in api.requires: ${unknown.join(', ')}`)
  verdict(ctx, 'manifest.urls', urlProblem(m, ctx.production))
  const prod = m.api.production
  const insecure = prod === undefined ? [] : Object.entries(typeof prod === 'string' ? { base_url: prod } : prod).filter(([, v]) => !String(v).startsWith('https://'))
  verdict(ctx, 'manifest.production-https', prod === undefined ? 'the manifest has no api.production section'
    : insecure.length ? `${insecure.map(([k, v]) => `api.production.${k} is ${v}`).join('; ')}: fine for local testing, but Heroku needs https (a valid certificate) in production` : undefined)
  verdict(ctx, 'manifest.no-username', api.username === undefined ? undefined : 'api.username is deprecated: Heroku authenticates with the add-on id')
}

function urlProblem (m: CheckContext['manifest'], production: boolean): string | undefined {
  for (const section of ['production', 'test'] as const) {
    const s = m.api[section]
    if (s === undefined) continue
    const urls = typeof s === 'string' ? { base_url: s } : s
    for (const [key, value] of Object.entries(urls)) {
      let u: URL
      try { u = new URL(String(value)) } catch { return `api.${section}.${key} is not an absolute URL: ${JSON.stringify(value)}` }
      if (production && section === 'production' && u.protocol !== 'https:') return `api.production.${key} must be https (Heroku needs a valid certificate): ${value}`
    }
  }
  if (m.api.production === undefined && m.api.test === undefined) return 'the manifest has neither api.production nor api.test'
  return undefined
}
