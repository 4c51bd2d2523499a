// The check against a provider written from the protocol reference: the good one passes
// every `must` rule; each defect partners ship is caught by name, and nothing else fails.
import t from 'tap'
import { runChecks, textReport, type RunReport } from '../src/index.js'
import { loadManifest } from '../src/provider-manifest.js'
import { referenceFixture } from './helper.js'
import type { Defect } from './fixtures/reference-provider.js'

const failing = (r: RunReport) => r.results.filter((x) => x.outcome === 'fail').map((x) => x.rule.id).sort()

async function run (t: { teardown (fn: () => unknown): void }, defects: Defect[] = []) {
  const f = await referenceFixture(t, defects)
  const report = await runChecks({ manifest: loadManifest(f.manifestPath), manifestPath: f.manifestPath, side: f.side, asyncTimeoutMs: 10_000 })
  return { f, report }
}

t.test('a provider that follows the reference passes every rule', async (t) => {
  const { report } = await run(t)
  if (failing(report).length) t.comment(textReport(report))
  t.same(failing(report), [], 'no rule fails')
  t.equal(report.summary.failed, 0)
  t.equal(report.summary.warnings, 0)
  const skipped = report.results.filter((r) => r.outcome === 'skip').map((r) => r.rule.id)
  t.same(skipped, [], 'every rule was exercised')
  const byId = new Map(report.results.map((r) => [r.rule.id, r]))
  t.match(byId.get('async.completes')!.detail, /answered 202 while Heroku's token endpoint took 5 s/, 'the async path was provoked')
  t.match(byId.get('timing.should')!.detail, /answers: p50 \d+ ms, p99 \d+ ms/)
})

const DEFECTS: Array<[Defect, string[]]> = [
  ['duplicate-500', ['provision.concurrent']],
  ['no-410', ['deprovision.no-resurrection', 'deprovision.repeat', 'deprovision.unknown']],
  ['empty-delete-400', ['deprovision.delete', 'deprovision.unknown']],
  ['sso-no-window', ['sso.future', 'sso.stale']]
]

for (const [defect, expected] of DEFECTS) {
  t.test(`defect ${defect} fails exactly ${expected.join(', ')}`, async (t) => {
    const { report } = await run(t, [defect])
    if (JSON.stringify(failing(report)) !== JSON.stringify(expected)) t.comment(textReport(report))
    t.same(failing(report), expected, 'the defect, and only it, is caught')
    t.equal(report.summary.failed, expected.length, 'each is a must rule: the run fails')
    for (const id of expected) {
      const r = report.results.find((x) => x.rule.id === id)!
      t.ok(r.detail && r.detail.length > 10, `${id} says what it found`)
      t.match(r.rule.spec, /§\d/, `${id} names its spec section`)
      if (id !== 'provision.concurrent') t.ok(r.exchanges.length > 0, `${id} shows the request and the answer`)
    }
  })
}

t.test('the failure report names the rule and the section and shows the exchange, credentials masked', async (t) => {
  const { f, report } = await run(t, ['empty-delete-400'])
  const text = textReport(report)
  t.match(text, /✗ deprovision\.delete \[MUST, protocol §7\.1, §3\.3, §18\.12\]/)
  t.match(text, /> DELETE http:\/\/127\.0\.0\.1:\d+\/heroku\/resources\/[0-9a-f-]{36}/)
  t.match(text, /> Content-Type: application\/json/)
  t.match(text, /> Authorization: Basic \*\*\*/)
  t.match(text, /< 400 \(\d+ ms\)/)
  t.match(text, /Body cannot be empty/)
  t.notMatch(text, new RegExp(Buffer.from(`reference-addon:${(f.provider.manifest.api as { password: string }).password}`).toString('base64')), 'the Basic credentials are not shown')
  t.match(text, /\d+ passed, 2 failed, 0 warnings, 3 skipped/)
})
