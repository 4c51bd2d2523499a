// The command line: exit statuses, the three report formats, finding the Heroku simulator
// (--heroku, heroku-sim.json beside the manifest, or one started here), --only, and the
// errors that stop a run before it starts.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { main, RULES } from '../src/index.js'
import { referenceFixture } from './helper.js'

function io () {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (s: string) => { out.push(s) }, err: (s: string) => { err.push(s) }, env: {} } }
}

t.test('--help and --list-rules exit 0; usage errors exit 2 with the reason', async (t) => {
  const help = io()
  t.equal(await main(['--help'], help.io), 0)
  t.match(help.out.join(''), /Usage: addonkit-check --manifest/)
  const list = io()
  t.equal(await main(['--list-rules'], list.io), 0)
  t.equal(list.out.length, RULES.size, 'one line per rule')
  t.match(list.out.join(''), /deprovision\.delete\s+must\s+§7\.1/)
  for (const [args, why] of [
    [[], /--manifest is required/],
    [['--manifest', '/nonexistent/addon-manifest.json'], /cannot read the manifest/],
    [['--manifest', 'x.json', '--only', 'sso,nope'], /unknown group "nope"/],
    [['--manifest', 'x.json', '--json', '--tap'], /exclude each other/],
    [['--bogus'], /Unknown option '--bogus'/]
  ] as const) {
    const r = io()
    t.equal(await main([...args], r.io), 2, args.join(' '))
    t.match(r.err.join(''), why)
  }
})

t.test('through a running simulator (--heroku): JSON report, exit 0 for a good provider', async (t) => {
  const f = await referenceFixture(t, [], { control: true })
  const r = io()
  const code = await main(['--manifest', f.manifestPath, '--heroku', f.sim.url, '--json', '--async-timeout', '10'], r.io)
  const report = JSON.parse(r.out.join(''))
  t.equal(code, 0, JSON.stringify(report.results.filter((x: any) => x.outcome === 'fail')))
  t.equal(report.heroku, f.sim.url)
  t.equal(report.results.length, RULES.size)
  t.match(report.results.find((x: any) => x.rule === 'deprovision.delete'), { outcome: 'pass', severity: 'must', spec: '§7.1, §3.3, §18.12' })
  t.same(report.summary, { passed: RULES.size, failed: 0, warnings: 0, skipped: 0 })
  t.equal(r.err.join(''), '', '--json writes nothing else')
})

t.test('heroku-sim.json beside the manifest names the simulator; TAP report and exit 1 for a defect', async (t) => {
  const f = await referenceFixture(t, ['empty-delete-400'], { control: true })
  writeFileSync(join(dirname(f.manifestPath), 'heroku-sim.json'), JSON.stringify({ url: f.sim.url }))
  const r = io()
  const code = await main(['--manifest', f.manifestPath, '--tap', '--only', 'deprovision,timing'], r.io)
  t.equal(code, 1)
  const tap = r.out.join('')
  t.match(tap, /^TAP version 14\n1\.\.6\n/)
  t.match(tap, /not ok \d+ - deprovision\.delete - DELETE as Heroku sends it/)
  t.match(tap, / {2}spec: "§7\.1, §3\.3, §18\.12"/)
  t.match(tap, / {4}> Content-Type: application\/json/)
  t.match(tap, /ok \d+ - deprovision\.repeat .* # SKIP deprovision\.delete failed/)
  t.notMatch(tap, /sso\.login|provision\.concurrent/, '--only leaves the other groups out')
})

t.test('text report; a simulator started here when none is named; a manifest for another add-on is refused', async (t) => {
  const f = await referenceFixture(t, ['sso-no-window'], { control: true })
  const r = io()
  const code = await main(['--manifest', f.manifestPath, '--heroku', f.sim.url, '--only', 'sso'], r.io)
  t.equal(code, 1)
  const text = r.out.join('')
  t.match(text, /✗ sso\.stale/)
  t.match(text, /✗ sso\.future/)
  t.match(text, /✓ sso\.login/)
  t.match(text, /\n\d+ passed, 2 failed, 0 warnings, 1 skipped in [\d.]+ s\n$/)
  t.match(r.err.join(''), /Playing Heroku through the Heroku simulator at/)

  // No simulator named and no heroku-sim.json: one is started here, and it tells the provider's URLs.
  const local = io()
  const other = await main(['--manifest', f.manifestPath, '--heroku', 'local', '--only', 'manifest'], local.io)
  t.equal(other, 0)
  t.match(local.err.join(''), /a Heroku simulator started here at http:\/\/127\.0\.0\.1:\d+ \(HEROKU_API_URL=http:\/\/127\.0\.0\.1:\d+\/api HEROKU_ID_URL=/)
  t.match(local.err.join(''), /no --client-secret/)

  const wrong = join(dirname(f.manifestPath), 'other-manifest.json')
  writeFileSync(wrong, JSON.stringify({ ...f.provider.manifest, id: 'someone-else' }))
  const refused = io()
  t.equal(await main(['--manifest', wrong, '--heroku', f.sim.url], refused.io), 2)
  t.match(refused.err.join(''), /plays Heroku for add-on "reference-addon", but the manifest is for "someone-else"/)
})
