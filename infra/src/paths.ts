// Well-known paths of the checkout.
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const dataDir = join(repoRoot, '.data')
export const pnpmBin = join(repoRoot, '.tools', 'node_modules', '.bin', 'pnpm')
