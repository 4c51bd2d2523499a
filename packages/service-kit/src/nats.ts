// NATS connection as a Fastify plugin. The client reconnects forever; `natsStatus` keeps
// the last known state so readiness can answer without waiting.
import fp from 'fastify-plugin'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { FastifyInstance } from 'fastify'
import type { NatsDurabilityConfig } from '@addonkit/config'
import { enforceDurability, serverFacts } from './nats-durability.js'

declare module 'fastify' {
  interface FastifyInstance {
    nats: NatsConnection
  }
}

export interface NatsPluginOptions {
  url: string
  name: string
  /** What to do about a server that can lose acknowledged messages (nats-durability.ts); a warning when absent. */
  durability?: NatsDurabilityConfig
}

export async function connectNats (url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 5000,
    maxPingOut: 2,
    waitOnFirstConnect: true,
    // The client otherwise builds an Error (a stack trace) for every request and JetStream
    // publish in case it fails; that was ~2 % of the log-drain's ingestion CPU. Our errors
    // carry their own context in the logs.
    noAsyncTraces: true
  })
}

/** Answers within timeoutMs whether the server answers a ping. */
export async function natsPing (nc: NatsConnection, timeoutMs = 1000): Promise<void> {
  if (nc.isClosed()) throw new Error('nats: connection closed')
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      nc.rtt(),
      new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`nats: no answer within ${timeoutMs} ms`)), timeoutMs) })
    ])
  } catch (err) {
    const msg = (err as Error).message
    throw new Error(msg.startsWith('nats:') ? msg : `nats: ${msg}`, { cause: err })
  } finally { clearTimeout(timer) }
}

async function natsPlugin (app: FastifyInstance, opts: NatsPluginOptions) {
  const nc = await connectNats(opts.url, opts.name)
  try {
    enforceDurability(serverFacts(nc.info, opts.durability?.syncAlways ?? false), opts.durability ?? { production: false, syncAlways: false, acceptRisk: false }, app.log)
  } catch (err) {
    await nc.close().catch(() => {})
    throw err
  }
  app.decorate('nats', nc)
  ;(async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') app.log.warn({ nats: s.type }, 'nats disconnected')
      else if (s.type === 'reconnect') app.log.info({ nats: s.type }, 'nats reconnected')
    }
  })().catch(() => {})
  app.addHook('onClose', async () => {
    // drain: finish in-flight subscriptions and flush publishes, then close.
    await bounded(nc.drain().catch(() => nc.close()), 3000)
    // Bounded too: a close while the client is redialling a server that went away can wait
    // on the dial, and a shutdown (or a test's teardown) must not wait on that forever.
    if (!nc.isClosed()) await bounded(nc.close(), 2000)
  })
}

/** Waits for `p` at most `ms` (the timer does not outlive it). */
async function bounded (p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p.catch(() => {}), new Promise((resolve) => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}

export default fp(natsPlugin, { name: 'addonkit-nats', fastify: '5.x' })
