// The bundled example definitions (packages/config/examples) and how ADDON_DEFINITION
// selects them: by bare name, or by path as before.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  loadConfig, validateAddonDefinition, driverConfigVars, exampleAddonDefinitionFile, resolveAddonDefinitionFile,
  EXAMPLE_ADDON_DEFINITIONS, DEFAULT_ADDON_DEFINITION, EnvVarError, type DriverName
} from '../src/index.js'

const examplesDir = fileURLToPath(new URL('../examples/', import.meta.url))
const env = { DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db', NATS_URL: 'nats://127.0.0.1:4222' }
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'))

t.test('the bundled names are exactly the .json files in examples/', async (t) => {
  const files = readdirSync(examplesDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length))
  t.same([...files].sort(), [...EXAMPLE_ADDON_DEFINITIONS].sort())
})

t.test('each example validates and lists exactly the config vars its plans set', async (t) => {
  const ids = new Set<string>()
  for (const name of EXAMPLE_ADDON_DEFINITIONS) {
    const def = validateAddonDefinition(read(exampleAddonDefinitionFile(name)))
    ids.add(def.id)
    const used = new Set(def.plans.flatMap((p) => driverConfigVars(p.driver as DriverName, def.config_vars_prefix)))
    t.same([...def.config_vars].sort(), [...used].sort(), `${name}: no config var is listed that no plan sets`)
    t.ok(def.requires.includes('log_input'), `${name}: add-on events reach the app's log stream`)
    // A drain URL is only ever handed out by the logs driver.
    const hasLogs = def.plans.some((p) => p.driver === 'logs')
    t.equal(def.requires.includes('syslog_drain'), hasLogs, `${name}: syslog_drain iff a logs plan`)
  }
  t.equal(ids.size, EXAMPLE_ADDON_DEFINITIONS.length, 'each example has its own id')
  const drivers = (name: string) => [...new Set(read(exampleAddonDefinitionFile(name as never)).plans.map((p: { driver: string }) => p.driver))].sort()
  t.same(drivers('logs'), ['logs'])
  t.same(drivers('postgres'), ['postgres'])
  t.same(drivers('logs-and-postgres'), ['logs', 'postgres'])
})

t.test('ADDON_DEFINITION=<name> loads the bundled example', async (t) => {
  for (const name of EXAMPLE_ADDON_DEFINITIONS) {
    const c = loadConfig({ ...env, ADDON_DEFINITION: ` ${name} ` }, [])
    t.equal(c.addonDefinitionFile, exampleAddonDefinitionFile(name))
    t.equal(c.addon.id, read(exampleAddonDefinitionFile(name)).id, name)
  }
  t.equal(loadConfig({ ...env, ADDON_DEFINITION: 'postgres' }, []).addon.id, 'addonkit-postgres')
})

t.test('ADDON_DEFINITION=<path> and unset work as before', async (t) => {
  const file = exampleAddonDefinitionFile('logs-and-postgres')
  t.equal(loadConfig({ ...env, ADDON_DEFINITION: file }, []).addon.id, 'addonkit-logs-postgres')
  t.equal(loadConfig(env, []).addonDefinitionFile, DEFAULT_ADDON_DEFINITION)
  t.equal(loadConfig({ ...env, ADDON_DEFINITION: '  ' }, []).addon.id, read(DEFAULT_ADDON_DEFINITION).id)
  // Anything with a slash or ending in .json is a path, even if it reads like a name.
  t.equal(resolveAddonDefinitionFile('./postgres'), './postgres')
  t.equal(resolveAddonDefinitionFile('postgres.json'), 'postgres.json')
  t.throws(() => loadConfig({ ...env, ADDON_DEFINITION: './postgres' }, []), /cannot read \.\/postgres/)
})

t.test('an unknown bare name fails with one line naming ADDON_DEFINITION and the bundled names', async (t) => {
  const err = t.throws(() => loadConfig({ ...env, ADDON_DEFINITION: 'postgress' }, [])) as unknown as EnvVarError
  t.type(err, EnvVarError)
  t.equal(err.variable, 'ADDON_DEFINITION')
  t.match(err.message, /^ADDON_DEFINITION: "postgress" is not a bundled example \(logs, postgres, logs-and-postgres\)/)
  t.notMatch(err.message, /\n/)
})

// dist/env.js resolves ../examples like src/env.ts does (both sit one level below the
// package root); checked when the package has been built since the examples exist.
const built = await import(new URL('../dist/env.js', import.meta.url).href).catch(() => null) as { exampleAddonDefinitionFile?: (n: string) => string } | null
t.test('the examples are found from the built code too', { skip: built?.exampleAddonDefinitionFile ? false : 'packages/config/dist is missing or predates the examples' }, async (t) => {
  t.equal(built!.exampleAddonDefinitionFile!('postgres'), exampleAddonDefinitionFile('postgres'))
  t.equal(read(built!.exampleAddonDefinitionFile!('postgres')).id, 'addonkit-postgres')
})
