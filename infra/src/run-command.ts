// Runs a command to completion without blocking this process's event loop. The process
// that runs `npm test` or `npm start` is also the parent of the embedded PostgreSQL, whose
// log output reaches it through a socket: a spawnSync of the whole test run left nobody
// reading that socket, and once its buffer was full, the first PostgreSQL process to log a
// line blocked in the write. That was the checkpointer ("checkpoint starting"), so every
// DROP DATABASE, which waits for a checkpoint, hung until tap's timeout: the dashboard test
// files that passed every assertion and then never finished their teardown.
import { spawn } from 'node:child_process'

export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Collect stdout and stderr (returned as `output`) instead of passing them through. */
  capture?: boolean
}

export interface RunResult {
  /** The exit code; 1 when the command could not start or was ended by a signal. */
  code: number
  output: string
}

export function runCommand (cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' })
    child.stdout?.on('data', (d: Buffer) => chunks.push(d))
    child.stderr?.on('data', (d: Buffer) => chunks.push(d))
    let started = true
    child.once('error', (err) => { started = false; resolve({ code: 1, output: `${cmd}: ${err.message}` }) })
    child.once('close', (code) => { if (started) resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }) })
  })
}
