// Benchmark figures as JSON (bench/results/<name>.json), beside each README's table, so a
// change can be compared with the last run: the figures, when and where they were measured
// (commit, node, CPUs) and how busy the machine was (load average before and after).
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'

export interface BenchRun {
  /** Load average (1, 5, 15 min) when the benchmark started. */
  loadBefore: number[]
  startedAt: string
}

/** Call when the benchmark starts: notes the time and the machine's load average. */
export function benchRun (): BenchRun {
  return { loadBefore: os.loadavg().map((x) => Math.round(x * 100) / 100), startedAt: new Date().toISOString() }
}

function commit (dir: string): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    // Uncommitted results files (earlier runs' output) are not changes to what is measured.
    const status = ['status', '--porcelain', '--untracked-files=no', '--', ':/', ':(top,exclude,glob)**/bench/results/**']
    const dirty = execFileSync('git', status, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
    return dirty ? `${head}+changes` : head
  } catch { return null }
}

/** Writes `<benchDir>/results/<name>.json` and returns its path. */
export function writeBenchResults (benchDir: string, name: string, run: BenchRun, figures: Record<string, unknown>): string {
  const dir = join(benchDir, 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.json`)
  const doc = {
    benchmark: name,
    startedAt: run.startedAt,
    finishedAt: new Date().toISOString(),
    commit: commit(benchDir),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: { before: run.loadBefore, after: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    figures
  }
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n')
  return file
}
