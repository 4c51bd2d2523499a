// Test fixtures: a reference provider (good, or with named defects) and a Heroku simulator
// for it, wired together the way a partner would wire theirs.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localHerokuSide, startHerokuSim, type HerokuSide, type HerokuSim } from '@addonkit/heroku-sim'
import { type Defect, type ReferenceProvider, startReferenceProvider } from './fixtures/reference-provider.js'
import { toSimManifest } from '../src/index.js'

interface Teardown { teardown (fn: () => unknown): void }

export interface Fixture {
  provider: ReferenceProvider
  sim: HerokuSim
  side: HerokuSide
  manifestPath: string
  clientSecret: string
}

export const PLANS = ['basic', 'premium']

export async function referenceFixture (t: Teardown, defects: Defect[] = [], opts: { requires?: string[], control?: boolean } = {}): Promise<Fixture> {
  const clientSecret = randomBytes(12).toString('hex')
  // The provider needs the sim's URLs and the sim needs the provider's manifest: start the
  // sim on a manifest without URLs, then give it the provider's.
  const requires = opts.requires ?? ['syslog_drain', 'log_input']
  const placeholder = { id: 'reference-addon', api: { config_vars: ['REFERENCE_ADDON_URL'], password: 'p', sso_salt: 's', requires, production: { base_url: '', sso_url: '' }, test: { base_url: '', sso_url: '' } } }
  const password = randomBytes(12).toString('hex')
  const ssoSalt = randomBytes(12).toString('hex')
  let provider!: ReferenceProvider
  const sim = await startHerokuSim({ clientSecret, manifest: placeholder, plans: PLANS, control: opts.control === true })
  t.teardown(() => sim.close())
  provider = await startReferenceProvider({ id: 'reference-addon', password, ssoSalt, prefix: 'REFERENCE_ADDON', plans: PLANS, requires, heroku: { apiUrl: sim.apiUrl, idUrl: sim.idUrl, clientSecret }, defects })
  t.teardown(() => provider.close())
  Object.assign(sim.manifest, toSimManifest(provider.manifest as never))
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-check-'))
  const manifestPath = join(dir, 'addon-manifest.json')
  writeFileSync(manifestPath, JSON.stringify(provider.manifest, null, 2))
  return { provider, sim, side: localHerokuSide(sim), manifestPath, clientSecret }
}
