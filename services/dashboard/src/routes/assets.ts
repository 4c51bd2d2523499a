// GET /assets/dashboard.css: the one stylesheet, cacheable and revalidated by ETag.
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from '@fastify/type-provider-typebox'
import { STYLESHEET } from '../views/stylesheet.js'

const ETAG = `"${createHash('sha256').update(STYLESHEET).digest('base64url').slice(0, 27)}"`

export default async function assetRoutes (app: FastifyInstance) {
  app.get('/assets/dashboard.css', { logLevel: 'warn', schema: { response: { 200: Type.String(), 304: Type.Null() } } }, async (req, reply) => {
    reply.header('etag', ETAG).header('cache-control', 'public, max-age=3600')
    if (req.headers['if-none-match'] === ETAG) return reply.code(304).send(null)
    return reply.type('text/css; charset=utf-8').send(STYLESHEET)
  })
}
