#!/usr/bin/env node
// `npm run check -- --manifest <path> [options]`: the add-on conformance suite
// (packages/check), run from source after the usual dependency install.
import { run } from './run.mjs'
run('check.ts')
