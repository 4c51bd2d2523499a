// The runner of `npm test` and `npm start` waits for its long commands (turbo, prisma)
// without blocking its event loop: it is the parent of the embedded PostgreSQL and must
// keep reading its log output, or PostgreSQL processes block writing their log lines.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCommand } from '../src/run-command.js'
import { startPostgresServer } from '@addonkit/local-servers'

const INFRA = fileURLToPath(new URL('..', import.meta.url))

t.test('a command that makes the embedded PostgreSQL log a lot finishes, checkpoint included', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'addonkit-infra-test-'))
  const server = await startPostgresServer({ dataDir: join(dir, 'pg'), persistent: false })
  t.teardown(async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }) })
  // About 4 MB of log lines (each failing statement logs its error and its text), far past
  // a socket buffer, then a CHECKPOINT, which the checkpointer logs. A parent blocked in
  // spawnSync reads none of it: this child then gives up after 20 s with exit code 2.
  const child = `
    const pg = require('pg')
    setTimeout(() => { console.error('PostgreSQL stopped answering: its log output is not read'); process.exit(2) }, 20000).unref()
    ;(async () => {
      const c = new pg.Client({ connectionString: process.env.PG_URL }); await c.connect()
      const col = 'no_such_column_' + 'x'.repeat(40)
      for (let i = 0; i < 2000; i++) await c.query('SELECT ' + col + ', ' + "'" + 'y'.repeat(1500) + "'").catch(() => {})
      await c.query('CHECKPOINT')
      await c.end()
    })().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })`
  let ticks = 0
  const ticker = setInterval(() => { ticks++ }, 50)
  const r = await runCommand(process.execPath, ['-e', child], { cwd: INFRA, env: { ...process.env, PG_URL: server.adminUrl }, capture: true })
  clearInterval(ticker)
  t.equal(r.code, 0, `child exit code (output: ${r.output.trim() || 'none'})`)
  t.ok(ticks > 0, `this process's event loop ran while the command did (${ticks} ticks)`)
})

t.test('exit codes, captured output and a command that cannot start', async (t) => {
  const ok = await runCommand(process.execPath, ['-e', "process.stdout.write('out'); process.stderr.write('err')"], { capture: true })
  t.same(ok, { code: 0, output: 'outerr' })
  t.equal((await runCommand(process.execPath, ['-e', 'process.exit(7)'])).code, 7)
  const missing = await runCommand(join(INFRA, 'no-such-command'), [], { capture: true })
  t.equal(missing.code, 1)
  t.match(missing.output, /ENOENT/)
})
