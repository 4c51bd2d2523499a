#!/usr/bin/env node
// `npm run build|typecheck|lint|bench`: installs the dependencies with the pinned pnpm
// (bootstrapped on first use, like `npm start` and `npm test`), then runs pnpm with the
// arguments given, e.g. `exec turbo run build`.
import { installDependencies, pnpm } from '../lib/pnpm.mjs'

try {
  installDependencies()
  pnpm(process.argv.slice(2))
} catch (err) {
  console.error(`[addonkit] ${err.message}`)
  process.exit(1)
}
