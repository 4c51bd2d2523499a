// KNOWN_ENV_VARS is what deployment files are checked against: it must hold every variable
// env.ts reads, and nothing env.ts does not read. Read from the source, so a new
// `env.FOO` in a parser cannot be forgotten in the list (nor a removed one left in it).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { KNOWN_ENV_VARS, ENV_VARS } from '../src/index.js'

const source = readFileSync(new URL('../src/env.ts', import.meta.url), 'utf8')

/** Names env.ts reads or spells: `env.NAME`, `env['NAME']`, and quoted upper-case names ('DRAIN_TLS_KEY' passed to a parser). */
function namesIn (text: string): Set<string> {
  const names = new Set<string>()
  for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]!)
  for (const m of text.matchAll(/\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g)) names.add(m[1]!)
  for (const m of text.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})['"`]/g)) names.add(m[1]!)
  return names
}

t.test('every variable env.ts reads is known', async (t) => {
  const read = namesIn(source)
  t.ok(read.has('NODE_ENV') && read.has('METRICS_HOST') && read.has('DRAIN_TLS_KEY'), 'the scan finds the parsers\' own reads')
  const missing = [...read].filter((n) => !KNOWN_ENV_VARS.includes(n))
  t.same(missing, [], 'read in env.ts but missing from KNOWN_ENV_VARS')
})

t.test('every known variable is read by env.ts', async (t) => {
  const read = namesIn(source)
  t.same(KNOWN_ENV_VARS.filter((n) => !read.has(n)), [], 'in KNOWN_ENV_VARS but never read')
  for (const name of Object.values(ENV_VARS)) t.ok(KNOWN_ENV_VARS.includes(name), `${name} (ENV_VARS) is known`)
  t.equal(new Set(KNOWN_ENV_VARS).size, KNOWN_ENV_VARS.length, 'no duplicates')
})

t.test('the scan would notice a new read', async (t) => {
  const mutated = source + '\nconst x = (env: Record<string, string>) => env.ADDONKIT_SOMETHING_NEW\n'
  const missing = [...namesIn(mutated)].filter((n) => !KNOWN_ENV_VARS.includes(n))
  t.same(missing, ['ADDONKIT_SOMETHING_NEW'])
  t.notOk(KNOWN_ENV_VARS.includes('PATH'), 'a variable the config does not read is not known')
})
