// `npm run manifest`: prints the Heroku add-on manifest generated from the add-on
// definition, the secrets (environment, else .data/secrets.json) and the public URLs, and
// checks it against Heroku's rules (protocol §2, §9, §17.1). Exit 1 when Heroku would reject it.
import { checkManifest, ConfigError, loadConfig, manifestFromConfig, MANIFEST_SETTINGS } from '@addonkit/config'
import { loadOrCreateSecrets } from '../secrets-file.js'
import { dataDir } from '../paths.js'

try {
  const env = { ...process.env, ...loadOrCreateSecrets(dataDir, process.env) }
  const manifest = manifestFromConfig(loadConfig({ DATABASE_URL: 'postgresql://unused/x', NATS_URL: 'nats://unused', ...env }, MANIFEST_SETTINGS))
  process.stdout.write(JSON.stringify(manifest, null, 2) + '\n')
  const problems = checkManifest(manifest)
  if (problems.length) {
    process.stderr.write(`\nHeroku would reject this manifest:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSet GATEWAY_PUBLIC_URL and DASHBOARD_PUBLIC_URL to the https URLs Heroku will call.\n`)
    process.exit(1)
  }
  process.stderr.write('\nThe manifest passes Heroku\'s checks. It contains secrets: keep it out of source control.\n')
} catch (err) {
  if (err instanceof ConfigError) { process.stderr.write(`manifest: ${err.message}\n`); process.exit(1) }
  throw err
}
