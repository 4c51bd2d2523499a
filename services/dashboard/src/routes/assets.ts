// The dashboard's static assets: its stylesheet and two small scripts (modules of this
// service, cacheable and revalidated by ETag) and the uPlot charting library, read once from
// node_modules and served under a versioned URL with a year-long immutable cache: pages
// load nothing from a CDN.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { FastifyInstance } from 'fastify'
import { Type } from '@fastify/type-provider-typebox'
import { STYLESHEET } from '../views/stylesheet.js'
import { LOG_TAIL_SCRIPT_JS } from '../views/log-tail-script.js'
import { METRICS_CHARTS_JS } from '../views/metrics-charts-script.js'
import { LOG_TAIL_SCRIPT } from '../views/logs-page.js'
import { METRICS_SCRIPT } from '../views/metrics-page.js'

const require = createRequire(import.meta.url)
const UPLOT_VERSION = (JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string }).version

/** Where pages find uPlot; the version in the path lets browsers cache it for good. */
export const UPLOT_ASSETS = {
  script: `/assets/vendor/uplot-${UPLOT_VERSION}/uPlot.iife.min.js`,
  stylesheet: `/assets/vendor/uplot-${UPLOT_VERSION}/uPlot.min.css`
}

interface Asset { body: string, type: string, etag: string, cacheControl: string }

function asset (body: string, type: string, cacheControl = 'public, max-age=3600'): Asset {
  return { body, type, cacheControl, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
}

const IMMUTABLE = 'public, max-age=31536000, immutable'
const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

const ASSETS: Record<string, Asset> = {
  '/assets/dashboard.css': asset(STYLESHEET, CSS),
  [LOG_TAIL_SCRIPT]: asset(LOG_TAIL_SCRIPT_JS, JS),
  [METRICS_SCRIPT]: asset(METRICS_CHARTS_JS, JS),
  [UPLOT_ASSETS.script]: asset(readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), JS, IMMUTABLE),
  [UPLOT_ASSETS.stylesheet]: asset(readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'), CSS, IMMUTABLE)
}

export default async function assetRoutes (app: FastifyInstance) {
  for (const [url, a] of Object.entries(ASSETS)) {
    app.get(url, { logLevel: 'warn', schema: { response: { 200: Type.String(), 304: Type.Null() } } }, async (req, reply) => {
      reply.header('etag', a.etag).header('cache-control', a.cacheControl)
      if (req.headers['if-none-match'] === a.etag) return reply.code(304).send(null)
      return reply.type(a.type).send(a.body)
    })
  }
}
