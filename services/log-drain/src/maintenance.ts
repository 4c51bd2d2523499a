// Periodic upkeep of the log store: partitions for the coming days are created ahead
// (longest retention + clamp margin), partitions whose expiry day has passed are dropped,
// and old de-duplication rows pruned. Runs at start (so the first batch never waits on
// DDL) and then hourly; several processes may run it, the store serializes the DDL.
import type { FastifyInstance } from 'fastify'
import type { LogStore } from '@addonkit/log-store'

const EVERY_MS = 60 * 60_000

export function scheduleMaintenance (app: FastifyInstance, store: LogStore, horizonDays: number): void {
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  const run = async () => {
    try {
      const r = await store.maintain(horizonDays)
      if (r.created || r.dropped) app.log.info(r, 'log store maintenance')
    } catch (err) {
      app.log.warn({ err }, 'log store maintenance failed; retrying later')
    }
    if (!stopped) timer = setTimeout(() => { void run() }, EVERY_MS)
  }
  app.addHook('onReady', async () => { await run() })
  app.addHook('onClose', async () => { stopped = true; clearTimeout(timer) })
}
