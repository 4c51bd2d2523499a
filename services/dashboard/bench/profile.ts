// Summarises a V8 .cpuprofile (the dashboard run with BENCH_CPU_PROF=dir, bench/sso.ts): self
// time by package (or our source file) and the top functions, as shares of the samples.
// Run: node --import tsx bench/profile.ts <file.cpuprofile> [topN]
import { readFileSync } from 'node:fs'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[] }

const [file, topArg] = process.argv.slice(2)
if (!file) { console.error('usage: node --import tsx bench/profile.ts <file.cpuprofile> [topN]'); process.exit(2) }
const top = Number(topArg ?? 25)
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const selfUs = new Map<number, number>()
p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)))

function where (url: string): string {
  if (!url) return '(native/v8)'
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return m[1]!
  if (url.startsWith('node:')) return url
  const ours = /\/(services|packages)\/([^/]+)\/(.*)$/.exec(url)
  return ours ? `${ours[1]}/${ours[2]}/${ours[3]}` : url
}

let total = 0
const groups = new Map<string, number>()
const fns = new Map<string, number>()
for (const [id, us] of selfUs) {
  const n = byId.get(id)!
  const name = n.callFrame.functionName || '(anonymous)'
  total += us
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
    groups.set(name, (groups.get(name) ?? 0) + us)
    continue
  }
  const w = where(n.callFrame.url)
  groups.set(w, (groups.get(w) ?? 0) + us)
  const key = `${name} ${w}:${n.callFrame.lineNumber + 1}`
  fns.set(key, (fns.get(key) ?? 0) + us)
}
const pct = (us: number) => `${(100 * us / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`)
console.log('\nself time by package / file:')
for (const [k, v] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`)
console.log('\ntop functions (self):')
for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`)
