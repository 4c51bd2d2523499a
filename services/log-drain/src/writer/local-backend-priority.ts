// DRAIN_WRITER_NICE for the writer's PostgreSQL backends, when PostgreSQL runs on this
// machine (`npm start`'s embedded default, one-machine installs). The writer thread runs
// at a lower priority so that ingestion goes first; its COPYs run in PostgreSQL backends,
// separate processes that otherwise compete with ingestion and nats-server at the default
// priority. Where PostgreSQL runs elsewhere there is nothing to share and nothing to do.
//
// A backend is reniced only once it is certain to be this connection's: its process title
// ("postgres: user db 127.0.0.1(34036) idle") must name this client's own port. A
// PostgreSQL in a container has pids of another namespace, and a number that happens to
// match a process here must never be touched.
import { readFileSync } from 'node:fs'
import { setPriority } from 'node:os'
import type pg from 'pg'

/** URL hostnames of this machine (WHATWG URL keeps the brackets of an IPv6 address). */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Whether the database URL points at this machine over TCP loopback. */
export function isLoopbackDatabase (url: string): boolean {
  try { return LOOPBACK.has(new URL(url).hostname) } catch { return false }
}

/**
 * Sets the nice value of the backend serving `client` (a connected client: its pid is the
 * one PostgreSQL sent at startup, so no query runs on a client its owner may be using);
 * returns the pid, or undefined when that backend is not a process of this machine that
 * can be verified. Throws what setpriority() throws (EPERM without the privilege).
 */
export function niceOwnBackend (client: pg.ClientBase, nice: number): number | undefined {
  const c = client as unknown as { processID?: number | null, connection?: { stream?: { localPort?: number } } }
  const pid = c.processID
  const port = c.connection?.stream?.localPort
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof port !== 'number') return undefined
  let title: string
  try { title = readFileSync(`/proc/${pid}/cmdline`, 'latin1') } catch { return undefined }
  if (!title.startsWith('postgres') || !title.includes(`(${port})`)) return undefined
  setPriority(pid, nice)
  return pid
}
