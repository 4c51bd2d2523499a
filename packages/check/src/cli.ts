// `addonkit-check`: the command line. `addonkit-check --manifest addon-manifest.json` runs
// every rule against the provider the manifest names, playing Heroku through a simulator,
// and exits 0 when every `must` rule passed, 1 when one failed, 2 when it could not run.
// `addonkit-check sim --manifest …` runs a standalone Heroku simulator (with its control
// API) for a provider to be configured against, until Ctrl-C.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startHerokuSim } from '@addonkit/heroku-sim'
import { connectHeroku, toSimManifest } from './heroku-connection.js'
import { loadManifest, ManifestError } from './provider-manifest.js'
import { jsonReport } from './reporters/json-report.js'
import { tapReport } from './reporters/tap-report.js'
import { textReport } from './reporters/text-report.js'
import { CheckSetupError, runChecks } from './runner.js'
import { GROUPS, RULES, type RuleGroup } from './rules.js'

export const USAGE = `Usage: addonkit-check --manifest <addon-manifest.json> [options]
       addonkit-check sim --manifest <addon-manifest.json> [--sim-port 5010] [--client-secret S] [--plans a,b]

Checks a Heroku add-on provider against the Add-on Partner API v3, playing Heroku.

Options:
  --manifest <path>       the add-on manifest (required); its api.test URLs are checked
  --production            check api.production's URLs instead (they must be https)
  --heroku <url>          play Heroku through the simulator at <url> (its control API);
                          default: the one named by heroku-sim.json beside the manifest
                          (what \`npm start\` writes), else a simulator started here
  --heroku local          always start a simulator here
  --sim-port <port>       port of a simulator started here (default: any free port)
  --client-secret <s>     the OAuth client secret that simulator accepts; default
                          $HEROKU_CLIENT_SECRET. Give it your provider's secret.
  --ca <file>             trust this certificate (PEM) for the provider's https endpoints;
                          default: the one heroku-sim.json names (npm start's drains)
  --plans <a,b,...>       the add-on's plan slugs: the first is provisioned, the second is
                          the plan-change target (default: the plans the simulator knows)
  --only <groups>         run only these groups: ${GROUPS.join(', ')}
  --async-timeout <s>     how long an asynchronous provision may take (default 60)
  --json                  the report as JSON
  --tap                   the report as TAP 14
  --verbose               notes on passed rules too
  --list-rules            print the rules and exit
  -h, --help              this text

Exit status: 0 every "must" rule passed, 1 a "must" rule failed, 2 the run could not start.
`

export interface CliIo {
  out: (s: string) => void
  err: (s: string) => void
  env: Record<string, string | undefined>
}

export async function main (argv: string[], io: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), env: process.env }): Promise<number> {
  let args
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        manifest: { type: 'string' },
        production: { type: 'boolean' },
        heroku: { type: 'string' },
        'sim-port': { type: 'string' },
        'client-secret': { type: 'string' },
        plans: { type: 'string' },
        ca: { type: 'string' },
        only: { type: 'string' },
        'async-timeout': { type: 'string' },
        json: { type: 'boolean' },
        tap: { type: 'boolean' },
        verbose: { type: 'boolean' },
        'list-rules': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (err) {
    io.err(`addonkit-check: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const v = args.values
  if (v.help) { io.out(USAGE); return 0 }
  if (v['list-rules']) {
    for (const r of RULES.values()) io.out(`${r.id.padEnd(30)} ${r.severity.padEnd(6)} ${r.spec.padEnd(24)} ${r.title}\n`)
    return 0
  }
  const usage = (msg: string) => { io.err(`addonkit-check: ${msg}\n\n${USAGE}`); return 2 }
  if (!v.manifest) return usage('--manifest is required')
  if (v.json && v.tap) return usage('--json and --tap exclude each other')
  const only = v.only ? v.only.split(',').map((s) => s.trim()).filter(Boolean) : []
  const unknownGroup = only.find((g) => !(GROUPS as readonly string[]).includes(g))
  if (unknownGroup) return usage(`unknown group "${unknownGroup}"; groups: ${GROUPS.join(', ')}`)
  const plans = v.plans ? v.plans.split(',').map((s) => s.trim()).filter(Boolean) : undefined
  const simPort = v['sim-port'] === undefined ? undefined : Number(v['sim-port'])
  if (simPort !== undefined && (!Number.isInteger(simPort) || simPort < 0 || simPort > 65535)) return usage(`--sim-port must be a port number, got ${v['sim-port']}`)
  const asyncTimeout = v['async-timeout'] === undefined ? 60 : Number(v['async-timeout'])
  if (!Number.isFinite(asyncTimeout) || asyncTimeout <= 0) return usage(`--async-timeout must be a number of seconds, got ${v['async-timeout']}`)
  const clientSecret = v['client-secret'] ?? io.env.HEROKU_CLIENT_SECRET

  let ca: string | undefined
  if (v.ca) {
    try { ca = readFileSync(v.ca, 'utf8') } catch (err) { io.err(`addonkit-check: --ca: cannot read ${v.ca}: ${(err as Error).message}\n`); return 2 }
  }
  let manifest
  try { manifest = loadManifest(v.manifest) } catch (err) {
    if (err instanceof ManifestError) { io.err(`addonkit-check: ${err.message}\n`); return 2 }
    throw err
  }

  if (args.positionals[0] === 'sim') {
    const sim = await startHerokuSim({ clientSecret: clientSecret ?? '', manifest: toSimManifest(manifest), port: simPort, control: true, plans })
    io.out(`Heroku simulator for ${manifest.id} at ${sim.url}\n  HEROKU_API_URL=${sim.apiUrl}\n  HEROKU_ID_URL=${sim.idUrl}\nThen: npm run check -- --manifest ${v.manifest} --heroku ${sim.url}\nCtrl-C stops it.\n`)
    await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve) })
    await sim.close()
    return 0
  }
  if (args.positionals.length) return usage(`unknown command "${args.positionals[0]}"`)

  let conn
  try {
    conn = await connectHeroku({ manifest, manifestPath: v.manifest, heroku: v.heroku, simPort, clientSecret, plans })
  } catch (err) {
    io.err(`addonkit-check: ${(err as Error).message}\n`)
    return 2
  }
  const quiet = v.json || v.tap
  if (!quiet) {
    io.err(`Playing Heroku through ${conn.how}\n`)
    if (conn.started && !clientSecret) io.err('note: no --client-secret (or HEROKU_CLIENT_SECRET): the simulator refuses every grant exchange\n')
  }
  try {
    const report = await runChecks({
      manifest,
      manifestPath: v.manifest,
      side: conn.side,
      plans,
      production: v.production === true,
      only: only as RuleGroup[],
      asyncTimeoutMs: asyncTimeout * 1000,
      ca: ca ?? conn.ca,
      onGroup: quiet ? undefined : (g) => io.err(`… ${g}\n`)
    })
    io.out(v.json ? jsonReport(report) : v.tap ? tapReport(report) : textReport(report, { verbose: v.verbose === true }))
    return report.summary.failed === 0 ? 0 : 1
  } catch (err) {
    if (err instanceof CheckSetupError || err instanceof ManifestError) { io.err(`addonkit-check: ${err.message}\n`); return 2 }
    throw err
  } finally {
    await conn.close()
  }
}
