#!/usr/bin/env node
// The `build` of every package: transpiles src/**/*.ts to dist/ with esbuild, file by file
// (no bundling), in well under a second. Type checking is the separate `typecheck` task
// (tsc), which `npm test` runs; packages export their types from src.
import { build } from 'esbuild'

await build({
  entryPoints: ['src/**/*.ts'],
  outdir: 'dist',
  outbase: 'src',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning'
})
