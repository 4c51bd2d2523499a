#!/usr/bin/env node
// The package's bin: runs the built CLI (`npm run build` or `turbo run build` makes dist/).
import { main } from '../dist/index.js'

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(`addonkit-check: ${err?.stack ?? err}`)
  process.exit(2)
})
