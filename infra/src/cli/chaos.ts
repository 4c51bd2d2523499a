// `npm run chaos`: the chaos suite (chaos/chaos.ts) for CHAOS_SECONDS (default 600) of
// load and faults, then the invariants. Progress goes to stdout with a [chaos] prefix; the
// last line is the report, one JSON object (lost, doubled, operations, faults,
// invariants_ok, …). Exits 0 only when every invariant holds. CHAOS_SEED repeats a run's
// choices; CHAOS_FAULTS (comma-separated names) injects only those; CHAOS_STOP_SECONDS sets how long a replica stays SIGSTOPped (default 10).
import { ensureNatsServer } from '@addonkit/local-servers'
import { FAULT_NAMES, runChaos } from '../chaos/chaos.js'

const log = (msg: string) => console.log(`[chaos] ${msg}`)

function positive (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n <= 0) { console.error(`[chaos] ${name} must be a positive whole number, not "${raw}"`); process.exit(2) }
  return n
}

async function main (): Promise<number> {
  const seconds = positive('CHAOS_SECONDS', 600)
  if (seconds < 30) { console.error('[chaos] CHAOS_SECONDS must be at least 30 (a quiet start, then the faults)'); return 2 }
  const faults = process.env.CHAOS_FAULTS ? process.env.CHAOS_FAULTS.split(',').map((f) => f.trim()).filter(Boolean) : undefined
  const unknown = faults?.filter((f) => !(FAULT_NAMES as readonly string[]).includes(f)) ?? []
  if (unknown.length) { console.error(`[chaos] unknown fault(s) in CHAOS_FAULTS: ${unknown.join(', ')}; known: ${FAULT_NAMES.join(', ')}`); return 2 }
  ensureNatsServer(log)
  log(`${seconds} s of load and faults`)
  const report = await runChaos({ seconds, stopSeconds: positive('CHAOS_STOP_SECONDS', 10), ...(process.env.CHAOS_SEED ? { seed: positive('CHAOS_SEED', 1) } : {}), ...(faults ? { faults } : {}), log })
  for (const [name, i] of Object.entries(report.invariants)) log(`${i.ok ? 'ok' : 'FAILED'}: ${name}: ${i.detail}`)
  console.log(JSON.stringify(report))
  return report.invariants_ok ? 0 : 1
}

main().then((code) => process.exit(code), (err) => {
  console.error(`[chaos] ${(err as Error).stack ?? err}`)
  console.log(JSON.stringify({ lost: null, doubled: null, operations: {}, faults: {}, invariants_ok: false, error: (err as Error).message }))
  process.exit(1)
})
