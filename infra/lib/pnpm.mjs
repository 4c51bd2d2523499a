// Bootstraps the pinned pnpm version into <root>/.tools with the npm that ships with Node.
import { existsSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { repoRoot } from './paths.mjs'

export function ensurePnpm () {
  const { packageManager } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
  const version = packageManager.replace(/^pnpm@/, '')
  const toolDir = join(repoRoot, '.tools')
  const bin = join(toolDir, 'node_modules', '.bin', 'pnpm')
  const stamp = join(toolDir, 'node_modules', 'pnpm', 'package.json')
  if (existsSync(bin) && existsSync(stamp) && JSON.parse(readFileSync(stamp, 'utf8')).version === version) return bin
  console.log(`[addonkit] installing pnpm@${version} into .tools/ (one time)`)
  const r = spawnSync('npm', ['install', '--prefix', toolDir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${version}`], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error(`could not install pnpm@${version} with npm`)
  return bin
}

/** Runs pnpm with args in the repo root; throws on failure. */
export function pnpm (args, opts = {}) {
  const bin = ensurePnpm()
  // On PATH too: turbo, run through `pnpm exec`, looks for the package manager there.
  const r = spawnSync(bin, args, { stdio: 'inherit', cwd: repoRoot, env: { ...process.env, PATH: `${dirname(bin)}:${process.env.PATH ?? ''}` }, ...opts })
  if (r.status !== 0) throw new Error(`pnpm ${args.join(' ')} failed with exit code ${r.status}`)
}

/** Installs the workspace's dependencies (what every root script does first). */
export function installDependencies () {
  pnpm(['install', '--no-frozen-lockfile', '--prefer-offline', '--reporter=append-only', '--loglevel=warn'])
}
