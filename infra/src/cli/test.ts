// `npm test`: starts a throwaway PostgreSQL and checks nats-server and Prometheus are
// installed, migrates a template database that each test file clones, runs the typecheck
// and every package's tests, tears everything down and prints `N passed, N failed` as its
// last line.
import { mkdtempSync, rmSync, readdirSync, existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureNatsServer } from '@addonkit/local-servers'
import { ensurePrometheus } from '../prometheus.js'
import { startStack, migrate, turbo } from '../stack.js'
import { countTapResults } from '../tap-results.js'
import { repoRoot } from '../paths.js'
import { ensureChromium } from '../chromium.js'

const log = (msg: string) => console.log(`[addonkit test] ${msg}`)
const TEMPLATE = 'addonkit_template'

/** Every workspace package with a test script: packages/*, services/* and infra itself. */
function packagesWithTests (): string[] {
  return [...['packages', 'services'].flatMap((group) => readdirSync(join(repoRoot, group)).map((name) => join(repoRoot, group, name))), join(repoRoot, 'infra')]
    .filter((dir) => existsSync(join(dir, 'package.json')) && JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.test)
}

async function main (): Promise<number> {
  ensureNatsServer(log)
  ensurePrometheus(log)
  if (packagesWithTests().some((dir) => readFileSync(join(dir, 'package.json'), 'utf8').includes('playwright-core'))) ensureChromium(log)
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-test-'))
  const stack = await startStack({ dir, databaseName: TEMPLATE, persistent: false, withNats: false, log })
  let passed = 0
  let failed = 0
  const failures: string[] = []
  try {
    log('applying migrations to the template database')
    await migrate(stack.databaseUrl)
    log('typecheck')
    if (await turbo(['run', 'typecheck']) === 0) passed++
    else { failed++; failures.push('typecheck') }
    for (const pkg of packagesWithTests()) rmSync(join(pkg, '.tap', 'test-results'), { recursive: true, force: true })
    log('tests')
    const code = await turbo(['run', 'test', '--continue', '--concurrency=2'], {
      ...process.env,
      ADDONKIT_TEST_PG_ADMIN_URL: stack.pgAdminUrl!,
      ADDONKIT_TEST_TEMPLATE_DB: TEMPLATE
    })
    let skipped = 0
    for (const pkg of packagesWithTests()) {
      const t = countTapResults(pkg)
      passed += t.passed; failed += t.failed; skipped += t.skipped
      failures.push(...t.failures.map((f) => `${pkg.slice(repoRoot.length + 1)}/${f}`))
    }
    if (code !== 0 && !failures.some((f) => f !== 'typecheck')) { failed++; failures.push('a test process failed without reporting a failing test (see the output above)') }
    if (skipped) log(`${skipped} skipped`)
  } finally {
    await stack.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  if (failures.length) {
    console.log('\nFailed:')
    for (const f of failures) console.log(`  - ${f}`)
  }
  console.log(`${passed} passed, ${failed} failed`)
  return failed === 0 ? 0 : 1
}

main().then((code) => process.exit(code), (err) => {
  console.error(`[addonkit test] ${(err as Error).stack ?? err}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
})
