// addonkit check: a conformance suite for Heroku Add-on Partner API v3 providers. It plays
// Heroku (through @addonkit/heroku-sim) against any provider over HTTP and judges it by
// the rules in rules.ts. `main` is the command line; `runChecks` the library.
export { main, USAGE, type CliIo } from './cli.js'
export { runChecks, CheckSetupError, type RunOptions } from './runner.js'
export { connectHeroku, toSimManifest, type HerokuConnection } from './heroku-connection.js'
export { loadManifest, ManifestError, type ProviderManifest } from './provider-manifest.js'
export { RULES, GROUPS, type Rule, type RuleGroup, type Severity } from './rules.js'
export type { CheckResult, RunReport, RunSummary, Outcome } from './results.js'
export type { Exchange } from './exchange.js'
export { textReport } from './reporters/text-report.js'
export { jsonReport } from './reporters/json-report.js'
export { tapReport } from './reporters/tap-report.js'
