// Which Heroku the run plays through. `--heroku <url>`: a simulator already running with
// its control API (the one `npm start` runs, or `addonkit-check sim`). Without it, a
// `heroku-sim.json` beside the manifest (what `npm start` writes into .data/) names one.
// Otherwise the check starts its own simulator for the manifest; a provider that calls
// Heroku (grant exchange, config, log input) must then be configured with its URLs.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { connectHerokuSim, localHerokuSide, startHerokuSim, type HerokuSide, type SimManifest } from '@addonkit/heroku-sim'
import type { ProviderManifest } from './provider-manifest.js'

export interface HerokuConnection {
  side: HerokuSide
  /** How it was found, for the report's header. */
  how: string
  /** The simulator this process started, if any. */
  started: boolean
  /** A certificate the provider's endpoints serve, named by heroku-sim.json (`tls_ca_file`). */
  ca?: string
  close (): Promise<void>
}

export interface ConnectOptions {
  manifest: ProviderManifest
  manifestPath: string
  /** A running simulator's URL; `auto` (default) looks beside the manifest, then starts one. */
  heroku?: string
  /** Port of a simulator started here; default any free port. */
  simPort?: number
  /** The OAuth client secret the started simulator accepts at its token endpoint. */
  clientSecret?: string
  plans?: string[]
}

export async function connectHeroku (o: ConnectOptions): Promise<HerokuConnection> {
  let url = o.heroku && o.heroku !== 'auto' && o.heroku !== 'local' ? o.heroku : undefined
  let how = `the Heroku simulator at ${url}`
  let ca: string | undefined
  if (!url && o.heroku !== 'local') {
    const file = join(dirname(o.manifestPath), 'heroku-sim.json')
    if (existsSync(file)) {
      const named = JSON.parse(readFileSync(file, 'utf8')) as { url?: string, tls_ca_file?: string }
      url = named.url
      how = `the Heroku simulator named in ${file} (${url})`
      if (named.tls_ca_file && existsSync(named.tls_ca_file)) ca = readFileSync(named.tls_ca_file, 'utf8')
    }
  }
  if (url) {
    const side = await connectHerokuSim(url)
    return { side, how, started: false, ...(ca ? { ca } : {}), close: () => side.close() }
  }
  const sim = await startHerokuSim({
    clientSecret: o.clientSecret ?? '',
    manifest: toSimManifest(o.manifest),
    port: o.simPort,
    control: true,
    plans: o.plans
  })
  return {
    side: localHerokuSide(sim),
    how: `a Heroku simulator started here at ${sim.url} (HEROKU_API_URL=${sim.apiUrl} HEROKU_ID_URL=${sim.idUrl})`,
    started: true,
    close: () => sim.close()
  }
}

/** The sim's view of a provider manifest: the URLs it posts SSO forms to, the vars it accepts. */
export function toSimManifest (m: ProviderManifest): SimManifest {
  const urls = (s: ProviderManifest['api']['test']) => typeof s === 'string' ? { base_url: `${s}/heroku/resources`, sso_url: '' } : { base_url: s?.base_url ?? '', sso_url: s?.sso_url ?? '' }
  return {
    id: m.id,
    api: {
      config_vars: m.api.config_vars,
      password: m.api.password,
      sso_salt: m.api.sso_salt ?? '',
      requires: m.api.requires ?? [],
      production: urls(m.api.production),
      test: urls(m.api.test ?? m.api.production)
    }
  }
}
