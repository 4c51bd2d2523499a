import t from 'tap'
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validateAddonDefinition, loadAddonDefinition, AddonDefinitionError, DEFAULT_ADDON_DEFINITION, checkOptions, regionNameFor } from '../src/index.js'

const base = () => JSON.parse(readFileSync(DEFAULT_ADDON_DEFINITION, 'utf8'))

t.test('the shipped addon.json is valid', async (t) => {
  const def = loadAddonDefinition(DEFAULT_ADDON_DEFINITION)
  t.ok(def.plans.length >= 2)
})

t.test('errors name the field at fault', async (t) => {
  const unknownDriver = base(); unknownDriver.plans[1].driver = 'redis'
  t.throws(() => validateAddonDefinition(unknownDriver), { path: '/plans/1/driver', message: /unknown driver "redis"/ })
  const dup = base(); dup.plans[2].slug = dup.plans[0].slug
  t.throws(() => validateAddonDefinition(dup), { path: '/plans/2/slug', message: /duplicate plan slug/ })
  const prefix = base(); prefix.config_vars.push('OTHER_URL')
  t.throws(() => validateAddonDefinition(prefix), { path: `/config_vars/${prefix.config_vars.length - 1}`, message: /must start with the prefix ADDONKIT_/ })
  const missing = base(); delete missing.plans[0].limits.lines_per_day
  t.throws(() => validateAddonDefinition(missing), { path: '/plans/0/limits', message: /missing limit "lines_per_day"/ })
  const region = base(); region.regions = ['mars']
  t.throws(() => validateAddonDefinition(region), { path: '/regions/0', message: /unknown Heroku region/ })
  const shape = base(); shape.plans[0].price_cents_per_month = 'free'
  t.throws(() => validateAddonDefinition(shape), AddonDefinitionError)
})

t.test('a file with broken JSON is reported with its name', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'addon-'))
  writeFileSync(join(dir, 'addon.json'), '{ "id": ')
  t.throws(() => loadAddonDefinition(join(dir, 'addon.json')), /addon.json is not valid JSON/)
})

t.test('provision options are checked and normalised', async (t) => {
  const def = loadAddonDefinition(DEFAULT_ADDON_DEFINITION)
  t.same(checkOptions(def, { retention_days: '3' }), { ok: true, value: { retention_days: 3 }, ignored: [] })
  t.match(checkOptions(def, { retention_days: '99' }), { ok: false, message: /at most 30/ })
  t.match(checkOptions(def, { retention_days: 'soon' }), { ok: false, message: /whole number/ })
  // Undeclared options are ignored, not refused (the protocol's example provision carries
  // `retention` and `fast`); a declared one with a bad value is still refused.
  t.same(checkOptions(def, { retention: '30', fast: 'true', retention_days: '7' }), { ok: true, value: { retention_days: 7 }, ignored: ['retention', 'fast'] })
  t.same(checkOptions(def, { constructor: 'x', __proto__: 'y' } as Record<string, unknown>), { ok: true, value: {}, ignored: ['constructor'] })
  t.match(checkOptions(def, { colour: 'red', retention_days: '0' }), { ok: false, message: /at least/ })
})

t.test('regions map from provider::region to region names', async (t) => {
  t.equal(regionNameFor('amazon-web-services::us-east-1', ['us', 'eu']), 'us')
  t.equal(regionNameFor('amazon-web-services::eu-west-1', ['us', 'eu']), 'eu')
  t.equal(regionNameFor('amazon-web-services::ap-northeast-1', ['us', 'eu']), undefined)
})
