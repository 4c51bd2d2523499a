// Debian's Chromium for the dashboard's browser tests (playwright-core drives it); the
// browser builds that test tools download cannot be fetched on these machines.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export function ensureChromium (log: (msg: string) => void): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
    log('chromium is not installed (apt-get install chromium); browser tests will fail')
    return undefined
  }
  log('installing chromium with apt-get (one time)')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0
  if (!install()) { spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env }); install() }
  return existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : undefined
}
