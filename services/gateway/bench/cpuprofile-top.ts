// Summarizes a .cpuprofile (bench/profile-provision.ts with PROFILE_CPU=1): the functions
// with the most self time, and self time by package. Run:
// node --import tsx bench/cpuprofile-top.ts bench/results/cpuprof/<file>.cpuprofile [rows]
import { readFileSync } from 'node:fs'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number }
const file = process.argv[2]
if (!file) throw new Error('usage: cpuprofile-top.ts <file.cpuprofile> [rows]')
const rows = Number(process.argv[3] ?? 30)
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[], samples: number[], timeDeltas: number[] }
const byId = new Map(prof.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i]!, (self.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i] ?? 0))
const total = [...self.values()].reduce((a, b) => a + b, 0)
const fn = new Map<string, number>()
const pkg = new Map<string, number>()
for (const [id, us] of self) {
  const n = byId.get(id)!
  const url = n.callFrame.url.replace(/^file:\/\//, '')
  const where = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ?? (url.match(/\/work\/main\/([^/]+\/[^/]+)/)?.[1]) ?? (url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url || n.callFrame.functionName)
  const key = `${n.callFrame.functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`
  fn.set(key, (fn.get(key) ?? 0) + us)
  pkg.set(where, (pkg.get(where) ?? 0) + us)
}
const pct = (us: number) => `${(100 * us / total).toFixed(1)}%`
console.log(`${(total / 1000).toFixed(0)} ms sampled`)
console.log('\nby package or area:')
for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${pct(v).padStart(6)} ${k}`)
console.log('\nby function (self):')
for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`  ${pct(v).padStart(6)} ${k}`)
