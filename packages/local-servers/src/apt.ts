// Installing a Debian package when the platform needs one (nats-server, prometheus,
// chromium): as root, or with password-less sudo; never interactive, keeping existing
// config files, and bounded in time so a maintainer script that waits cannot hang a run.
import { spawnSync } from 'node:child_process'

export type AptOutcome = { ok: true } | { ok: false, reason: string }

/** Runs one command as root (directly, or through `sudo -n`); true when it exits 0. */
export type RootRun = (args: string[]) => boolean

export function aptInstall (pkg: string, log: (msg: string) => void, opts: { recommends?: boolean, after?: (run: RootRun) => void } = {}): AptOutcome {
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status !== 0) return { ok: false, reason: 'no apt-get on this machine' }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot && spawnSync('sudo', ['-n', 'true']).status !== 0) return { ok: false, reason: 'not root and no password-less sudo' }
  const sudo = isRoot ? [] : ['sudo', '-n']
  log(`[addonkit] installing ${pkg} with apt-get (one time)`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const run: RootRun = (args) => {
    const [cmd, ...rest] = [...sudo, ...args]
    return spawnSync(cmd!, rest, { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 600_000, killSignal: 'SIGKILL' }).status === 0
  }
  const install = ['apt-get', 'install', '-y', '-q', ...(opts.recommends ? [] : ['--no-install-recommends']), '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', pkg]
  if (!run(install)) {
    // A fresh machine's package lists may be missing or stale.
    run(['apt-get', 'update', '-q'])
    if (!run(install)) return { ok: false, reason: `apt-get install ${pkg} failed` }
  }
  opts.after?.(run)
  return { ok: true }
}
