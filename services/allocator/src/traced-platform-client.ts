// Client spans around the Platform API for Partners calls (OTel HTTP client conventions),
// one per call including its retries, wrapped around the client so packages/platform-api
// stays free of tracing. A span names the method, the route template and the host only:
// never the access token, the grant code, a config var value or a body.
import { PlatformApiError, type PlatformClient } from '@addonkit/platform-api'
import { withSpan } from '@addonkit/service-kit'

export function tracedPlatformClient (client: PlatformClient, apiUrl: string, idUrl: string): PlatformClient {
  const api = serverOf(apiUrl)
  const id = serverOf(idUrl)
  function call<T> (method: string, template: string, server: Record<string, string | number>, extra: Record<string, string | number>, fn: () => Promise<T>): Promise<T> {
    return withSpan('addonkit-allocator', `${method} ${template}`, {
      kind: 'client',
      attributes: { 'http.request.method': method, 'url.template': template, ...server, ...extra }
    }, async (span) => {
      try {
        return await fn()
      } catch (err) {
        if (err instanceof PlatformApiError && err.status !== undefined) span.setAttribute('http.response.status_code', err.status)
        throw err
      }
    })
  }
  const addon = (uuid: string) => ({ 'addonkit.addon.uuid': uuid })
  return {
    exchangeGrant: (code) => call('POST', '/oauth/token', id, { 'addonkit.oauth.grant_type': 'authorization_code' }, () => client.exchangeGrant(code)),
    refresh: (refreshToken) => call('POST', '/oauth/token', id, { 'addonkit.oauth.grant_type': 'refresh_token' }, () => client.refresh(refreshToken)),
    updateConfig: (uuid, token, config) => call('PATCH', '/addons/{addon}/config', api, { ...addon(uuid), 'addonkit.config.var_count': Object.keys(config).length }, () => client.updateConfig(uuid, token, config)),
    markProvisioned: (uuid, token) => call('POST', '/addons/{addon}/actions/provision', api, addon(uuid), () => client.markProvisioned(uuid, token)),
    markDeprovisioned: (uuid, token) => call('POST', '/addons/{addon}/actions/deprovision', api, addon(uuid), () => client.markDeprovisioned(uuid, token)),
    getAddon: (uuid, token) => call('GET', '/addons/{addon}', api, addon(uuid), () => client.getAddon(uuid, token))
  }
}

function serverOf (url: string): Record<string, string | number> {
  const u = new URL(url)
  return { 'server.address': u.hostname, 'server.port': u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 }
}
