#!/usr/bin/env node
// The reaper of `npm start`: a small process of its own that the platform's processes are
// registered with (one JSON line per process on its stdin). When its stdin closes, the
// process that started it is gone, however it ended (Ctrl-C, SIGTERM, or SIGKILL, which no
// handler sees): it stops every registered process that is still running (SIGTERM to its
// process group, SIGKILL after 5 s), so nats-server, PostgreSQL and the services never
// outlive `npm start`. A PID is only signalled while its command line still names what was
// registered, so a reused PID is left alone. Node built-ins only.
import { readFileSync } from 'node:fs'

const watched = new Map()
let buffer = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  buffer += chunk
  let nl
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl)
    buffer = buffer.slice(nl + 1)
    try {
      const m = JSON.parse(line)
      if (m.watch) watched.set(m.watch, { match: String(m.match ?? ''), group: m.group === true, signal: m.signal ?? 'SIGTERM' })
      if (m.forget) watched.delete(m.forget)
    } catch {}
  }
})
process.stdin.on('close', () => { void reap() })
// Never stopped by the terminal's Ctrl-C, which goes to npm start: the reaper outlives it.
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {})

function stillOurs (pid, match) {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(match) } catch { return false }
}

function signal (pid, w, sig) {
  try { process.kill(w.group ? -pid : pid, sig) } catch { try { process.kill(pid, sig) } catch {} }
}

async function reap () {
  const alive = () => [...watched].filter(([pid, w]) => stillOurs(pid, w.match))
  for (const [pid, w] of alive()) signal(pid, w, w.signal)
  const deadline = Date.now() + 5000
  while (alive().length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
  for (const [pid, w] of alive()) signal(pid, w, 'SIGKILL')
  process.exit(0)
}
