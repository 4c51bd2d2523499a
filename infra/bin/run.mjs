// Bootstrap shared by the root npm scripts: pinned pnpm, dependencies, then the named
// TypeScript entry point of infra/src/cli run with tsx. Uses only Node built-ins.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { installDependencies } from '../lib/pnpm.mjs'
import { repoRoot } from '../lib/paths.mjs'

export function run (entry, { install = true } = {}) {
  if (install) installDependencies()
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=addonkit-source', join(repoRoot, 'infra', 'src', 'cli', entry), ...process.argv.slice(2)], { stdio: 'inherit', cwd: repoRoot })
  // The child handles Ctrl-C itself (it stops what it started); the parent only waits.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
