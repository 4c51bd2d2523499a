// Real-browser plumbing for the dashboard tests: Debian's Chromium driven by playwright-core
// with a fresh profile, a stand-in for addons-sso.heroku.com that serves the auto-submitting
// SSO form the way Heroku does, and screenshots saved to test-artifacts/.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { Teardown } from '@addonkit/testkit'

export const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
export const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url))

export async function launchChromium (t: Teardown): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'addonkit-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } })
  t.teardown(async () => {
    await context.close().catch(() => {})
    rmSync(profile, { recursive: true, force: true })
  })
  return context
}

export async function screenshot (page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

export interface HerokuSsoPage {
  /** A URL that, when opened, posts `params` to `action` as Heroku's SSO page does. */
  open (action: string, params: Record<string, string>, label?: string): string
}

const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c')
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)

/**
 * The page addons-sso.heroku.com renders for `heroku addons:open` and Dashboard clicks
 * (protocol §10.1): an empty POST form to sso_url, filled with the SSO params by a script and
 * submitted on load. Served on `localhost` while the dashboard is on 127.0.0.1, so the POST
 * is cross-site as it is in production.
 */
export async function startHerokuSsoPage (t: Teardown): Promise<HerokuSsoPage> {
  const pages = new Map<string, { action: string, params: Record<string, string>, label: string }>()
  const server = http.createServer((req, res) => {
    const p = pages.get(new URL(req.url ?? '/', 'http://x').pathname)
    if (!p) { res.writeHead(404).end('not found'); return }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(`<html>
  <head>
    <title>Heroku Add-ons SSO</title>
  </head>
  <body>
    <h3>Opening ${esc(p.label)}...</h3>
    <form method="POST" action="${esc(p.action)}">
    </form>
    <script type="text/javascript">
      var params = ${scriptJson(p.params)}
      var form = document.forms[0]
      for (var name in params) {
        var input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = params[name];
        form.appendChild(input)
      }
      document.forms[0].submit()
    </script>
  </body>
</html>`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections() }))
  const { port } = server.address() as AddressInfo
  let n = 0
  return {
    open (action, params, label = 'add-on') {
      const path = `/apps/${params.app ?? 'app'}/addons/${params.resource_id ?? params.id ?? 'x'}/${++n}`
      pages.set(path, { action, params, label })
      return `http://localhost:${port}${path}`
    }
  }
}
