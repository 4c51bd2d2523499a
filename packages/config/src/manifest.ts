// Builds the Heroku add-on manifest (protocol §2) from the definition, the secrets and the
// public URLs, and checks it against the rules Heroku and kensa apply (§2, §9, §17.1).
import type { AddonDefinition } from './addon-definition.js'
import { REGION_LOCATIONS } from './regions.js'
import type { AllConfig } from './env.js'

export interface ManifestInput {
  addon: AddonDefinition
  addonPassword: string
  ssoSalt: string
  /** Public (production) base URLs. */
  gatewayPublicUrl: string
  dashboardPublicUrl: string
  /** Local URLs for the manifest's `test` block. */
  gatewayTestUrl: string
  dashboardTestUrl: string
}

export interface Manifest {
  id: string
  name: string
  api: {
    version: '3'
    config_vars_prefix: string
    config_vars: string[]
    password: string
    sso_salt: string
    regions: string[]
    requires: string[]
    production: { base_url: string, sso_url: string }
    test: { base_url: string, sso_url: string }
  }
}

export function buildManifest (input: ManifestInput): Manifest {
  const { addon } = input
  return {
    id: addon.id,
    name: addon.name,
    api: {
      version: '3',
      config_vars_prefix: addon.config_vars_prefix,
      config_vars: [...addon.config_vars],
      password: input.addonPassword,
      sso_salt: input.ssoSalt,
      regions: [...addon.regions],
      requires: addon.requires.filter((r) => r !== 'many_per_app'),
      production: { base_url: `${input.gatewayPublicUrl}/heroku/resources`, sso_url: `${input.dashboardPublicUrl}/sso/login` },
      test: { base_url: `${input.gatewayTestUrl}/heroku/resources`, sso_url: `${input.dashboardTestUrl}/sso/login` }
    }
  }
}

/** Problems Heroku would reject the manifest for; empty when it is valid. */
export function checkManifest (m: Manifest): string[] {
  const problems: string[] = []
  if (!m.id || /[^a-z0-9-]/.test(m.id)) problems.push('id must be lower-case letters, digits and hyphens')
  const { api } = m
  if (api.password.length < 8 || api.password.length > 72) problems.push('api.password must be 8–72 characters')
  if (!api.sso_salt) problems.push('api.sso_salt is required')
  if (!/^[A-Z][A-Z0-9_]*$/.test(api.config_vars_prefix)) problems.push('api.config_vars_prefix must be upper-case')
  for (const v of api.config_vars) {
    if (!/^[A-Z][0-9A-Z_]+$/.test(v)) problems.push(`config var ${v} must match ^[A-Z][0-9A-Z_]+$`)
    if (!v.startsWith(api.config_vars_prefix + '_')) problems.push(`config var ${v} must start with ${api.config_vars_prefix}_`)
  }
  if (api.regions.length === 0) problems.push('api.regions must not be empty')
  if (!api.regions.includes('us') && !api.regions.includes('*')) problems.push('api.regions must include "us" (Heroku requires it)')
  for (const r of api.regions) if (r !== '*' && !(r in REGION_LOCATIONS)) problems.push(`unknown region ${r}`)
  for (const [k, u] of Object.entries(api.production)) if (!u.startsWith('https:')) problems.push(`api.production.${k} must be an https URL (it is ${u})`)
  return problems
}

/** The settings a manifest is built from (the gateway and dashboard's public and local URLs). */
export const MANIFEST_SETTINGS = ['addonPassword', 'ssoSalt', 'gatewayPublicUrl', 'dashboardPublicUrl', 'gatewayPort', 'dashboardPort'] as const

/** The manifest of the platform an environment configures: its local URLs are 127.0.0.1 on the services' ports. */
export function manifestFromConfig (c: Pick<AllConfig, typeof MANIFEST_SETTINGS[number] | 'addon'>): Manifest {
  return buildManifest({
    addon: c.addon,
    addonPassword: c.addonPassword,
    ssoSalt: c.ssoSalt,
    gatewayPublicUrl: c.gatewayPublicUrl,
    dashboardPublicUrl: c.dashboardPublicUrl,
    gatewayTestUrl: `http://127.0.0.1:${c.gatewayPort}`,
    dashboardTestUrl: `http://127.0.0.1:${c.dashboardPort}`
  })
}
