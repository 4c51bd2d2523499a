// Daily partitions of log_lines by expiry day (see the migration 20261127020000_log_store):
// created ahead of need, dropped once their day has passed. Dropping a partition is how
// retention is enforced: a metadata operation instead of a DELETE that would bloat the
// table and cost as much as the inserts did. The DDL runs under an advisory lock so that
// several log-drain processes never race on it.
import type pg from 'pg'
import { inTransaction } from './pg-transaction.js'

const LOCK = "SELECT pg_advisory_xact_lock(hashtext('log_lines_partitions'))"
const NAME = /^log_lines_e(\d{4})(\d{2})(\d{2})$/

const dayNames = new Map<number, string>()

/**
 * `YYYY-MM-DD` of a UTC day, `days` after the day of `ms`. Called for every stored line,
 * so the few day names in use are cached (formatting a Date per line showed up as the
 * writer's top cost in the benchmark's profile).
 */
export function utcDay (ms: number, days = 0): string {
  const d = Math.floor(ms / 86_400_000) + days
  let name = dayNames.get(d)
  if (name === undefined) {
    if (dayNames.size > 10_000) dayNames.clear()
    name = new Date(d * 86_400_000).toISOString().slice(0, 10)
    dayNames.set(d, name)
  }
  return name
}

/**
 * No vacuum triggered by inserts on the partitions (auto-analyze and anti-wraparound vacuum
 * stay). Log lines are only inserted, then dropped with their partition at expiry: an
 * insert-triggered VACUUM ANALYZE of a day's partition that had taken 12 M lines ran through
 * the whole 40 s of the paced benchmark that followed, on a 2-core machine, and what it buys
 * (visibility map for index-only scans, early freezing) nothing here uses: searches read the
 * rows, and a partition is dropped long before its transaction ids could wrap around.
 * Spelled as pg_class.reloptions stores it, which CREATE/ALTER TABLE … WITH (…) accept.
 */
export const PARTITION_OPTIONS = 'autovacuum_vacuum_insert_threshold=-1'

export function partitionName (day: string): string {
  return `log_lines_e${day.replaceAll('-', '')}`
}

/** The partitions of log_lines, and whether each carries PARTITION_OPTIONS. */
async function partitions (c: pg.PoolClient): Promise<Array<{ name: string, tuned: boolean }>> {
  const r = await c.query<{ relname: string, tuned: boolean }>(
    `SELECT c.relname, coalesce($1 = ANY(c.reloptions), false) AS tuned
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'log_lines'::regclass`, [PARTITION_OPTIONS])
  return r.rows.map((x) => ({ name: x.relname, tuned: x.tuned }))
}

/** Runs `fn` in a transaction holding the partition DDL lock. */
function underPartitionLock<T> (pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, `BEGIN; ${LOCK}`, fn)
}

/**
 * Creates the partitions for the given expiry days that are missing; returns how many. One
 * that exists without PARTITION_OPTIONS (made before they were introduced) gets them.
 */
export function ensurePartitions (pool: pg.Pool, days: Iterable<string>): Promise<number> {
  return underPartitionLock(pool, async (c) => {
    const have = new Map((await partitions(c)).map((p) => [p.name, p.tuned]))
    let created = 0
    for (const day of days) {
      const name = partitionName(day)
      const tuned = have.get(name)
      if (tuned === false) await c.query(`ALTER TABLE "${name}" SET (${PARTITION_OPTIONS})`)
      if (tuned !== undefined) continue
      const next = utcDay(Date.parse(`${day}T00:00:00Z`), 1)
      await c.query(`CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF log_lines FOR VALUES FROM ('${day}') TO ('${next}') WITH (${PARTITION_OPTIONS})`)
      have.set(name, true)
      created++
    }
    return created
  })
}

/** Drops every partition whose expiry day is before `today` (YYYY-MM-DD); returns how many. */
export function dropExpiredPartitions (pool: pg.Pool, today: string): Promise<number> {
  return underPartitionLock(pool, async (c) => {
    let dropped = 0
    for (const { name } of await partitions(c)) {
      const m = NAME.exec(name)
      if (m && `${m[1]}-${m[2]}-${m[3]}` < today) {
        await c.query(`DROP TABLE "${name}"`)
        dropped++
      }
    }
    return dropped
  })
}
