// GET /healthz: the process is alive. GET /readyz: PostgreSQL and NATS answer now (503
// with the reasons otherwise). Readiness is computed per request, so it recovers by itself.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { natsPing } from './nats.js'

export type ReadinessCheck = () => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    addReadinessCheck (name: string, check: ReadinessCheck): void
    /** Runs every readiness check now: [name, 'ok' or the reason] each. */
    checkReadiness (): Promise<Array<readonly [string, string]>>
  }
}

async function healthPlugin (app: FastifyInstance) {
  const checks = new Map<string, ReadinessCheck>()
  app.decorate('addReadinessCheck', (name: string, check: ReadinessCheck) => { checks.set(name, check) })
  app.decorate('checkReadiness', () => Promise.all([...checks].map(async ([name, check]) => {
    try { await check(); return [name, 'ok'] as const } catch (err) { return [name, (err as Error).message] as const }
  })))
  if (app.hasDecorator('db')) checks.set('postgres', () => app.db.ping(1000))
  if (app.hasDecorator('nats')) checks.set('nats', () => natsPing(app.nats, 1000))

  const status = { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } } as const
  app.get('/healthz', { logLevel: 'warn', schema: { response: { 200: status } } }, async () => ({ status: 'ok', checks: {} }))
  app.get('/readyz', { logLevel: 'warn', schema: { response: { 200: status, 503: status } } }, async (_req, reply) => {
    const results = await app.checkReadiness()
    const failed = results.filter(([, r]) => r !== 'ok')
    reply.code(failed.length ? 503 : 200)
    return { status: failed.length ? failed.map(([n, r]) => `${n}: ${r}`).join('; ') : 'ready', checks: Object.fromEntries(results) }
  })
}

export default fp(healthPlugin, { name: 'addonkit-health', fastify: '5.x' })
