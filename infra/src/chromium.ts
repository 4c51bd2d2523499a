// Debian's Chromium for the dashboard's browser tests (playwright-core drives it); the
// browser builds that test tools download cannot be fetched on these machines.
import { existsSync } from 'node:fs'
import { aptInstall } from '@addonkit/local-servers'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export function ensureChromium (log: (msg: string) => void): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH
  const outcome = aptInstall('chromium', log)
  if (!outcome.ok) {
    log(`chromium is not installed (apt-get install chromium: ${outcome.reason}); browser tests will fail`)
    return undefined
  }
  return existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : undefined
}
