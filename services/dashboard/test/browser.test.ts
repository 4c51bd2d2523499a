// The dashboard in a real browser (Debian Chromium via playwright-core): Heroku's
// auto-submitting SSO page signs in and lands on the overview; refused sign-ins show the 403
// page; credentials rotate through the UI and the Heroku simulator receives the new config;
// an idle session shows the sign-in-required page; a form without its CSRF token is refused.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { openResourceOutput } from '@addonkit/lifecycle'
import { createInstance, ssoForm, sleep, USER } from './helper.js'
import { launchChromium, screenshot, startHerokuSsoPage } from './browser-helper.js'
import { startStack } from './stack.js'

const stack = await startStack(t)
const dash = await stack.dashboard()
// Dashboards start before the browser so that they close after it (teardowns run last
// first): a server waits for the browser's open connections to end.
const short = await stack.dashboard({ sessionIdleMs: 1500 })
const heroku = await startHerokuSsoPage(t)
const browser = await launchChromium(t)
const ssoUrl = `${dash.url}/sso/login`

/** Opens the add-on from "Heroku" and returns the page and the status of the SSO answer. */
async function openFromHeroku (params: Record<string, string>): Promise<{ page: Page, ssoStatus: number }> {
  const page = await browser.newPage()
  const answer = page.waitForResponse((r) => r.url() === ssoUrl && r.request().method() === 'POST')
  await page.goto(heroku.open(ssoUrl, params, `${stack.config.addon.name} on my-app`))
  const ssoStatus = (await answer).status()
  await page.waitForLoadState('load')
  return { page, ssoStatus }
}

t.beforeEach(async () => { await browser.clearCookies() })

t.test('heroku addons:open through the simulator: its SSO page posts itself cross-site and signs the owner in', async (t) => {
  const uuid = await stack.provision()
  // The manifest's test sso_url is this dashboard; the sim's page posts there.
  stack.sim.manifest.api.test.sso_url = ssoUrl
  const addon = stack.sim.addons.get(uuid)!
  // Opened as localhost while the dashboard is 127.0.0.1: a cross-site POST, as in production.
  const open = new URL(stack.sim.webUrl(uuid))
  open.hostname = 'localhost'
  open.searchParams.set('issue_no', '42')
  const page = await browser.newPage()
  const answer = page.waitForResponse((r) => r.url() === ssoUrl && r.request().method() === 'POST')
  await page.goto(open.toString())
  t.equal((await answer).status(), 303)
  await page.waitForLoadState('load')
  t.equal(new URL(page.url()).pathname, `/dashboard/${uuid}`)
  t.equal(new URL(page.url()).searchParams.get('issue_no'), '42', 'the custom parameter reached the landing page')
  t.match(await page.textContent('.who'), addon.owner.email, 'signed in as the app owner the simulator names')
  await page.close()
})

t.test('Heroku\'s SSO form signs in and lands on the overview, which shows the extras', async (t) => {
  const uuid = await stack.provision()
  const { page, ssoStatus } = await openFromHeroku(ssoForm(stack, uuid, { extra: { issue_no: '42' } }))
  t.equal(ssoStatus, 303)
  t.equal(new URL(page.url()).pathname, `/dashboard/${uuid}`)
  t.equal(new URL(page.url()).searchParams.get('issue_no'), '42')
  t.equal(await page.textContent('h1'), stack.sim.addons.get(uuid)!.name)
  t.equal(await page.getAttribute('main', 'data-page'), 'overview')
  t.match(await page.textContent('[data-extras]'), /issue_no\s*42/)
  t.match(await page.textContent('.who'), USER.email)
  t.match(await page.textContent('[data-config-vars]'), /ADDONKIT_URL/)
  t.equal(await page.getAttribute('[data-usage]', 'data-usage'), 'available', 'usage from the allocator')
  // One bar per usage metric with a plan limit; how many the allocator's logs driver reports
  // (storage, requests, lines today, …) is its business.
  t.ok(await page.locator('meter').count() >= 2, 'usage bars')
  t.match(await page.textContent('[data-plan="pro"] pre'), /heroku addons:upgrade \S+ addonkit:pro/)
  const [cookie] = (await browser.cookies()).filter((c) => c.name === 'addonkit_session')
  t.ok(cookie, 'the session cookie survived the cross-site POST and redirect')
  t.equal(cookie!.httpOnly, true)
  t.equal(cookie!.sameSite, 'Lax')
  t.equal(cookie!.path, `/dashboard/${uuid}`)
  t.equal(await page.evaluate(() => document.cookie), '', 'not readable from scripts')
  await screenshot(page, 'overview')

  // Usable at 375px: no horizontal scrolling.
  await page.setViewportSize({ width: 375, height: 800 })
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'fits 375px')
  await screenshot(page, 'overview-375px')

  // Every control is labelled.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, meter')]
    .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label')).length)
  t.equal(unlabelled, 0, 'no unlabelled control')

  // Keyboard: skip link first, visible focus, nav reachable and operable.
  await page.keyboard.press('Tab')
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to main content')
  await page.keyboard.press('Tab')
  t.equal(await page.evaluate(() => document.activeElement?.textContent), '← Heroku: my-app', 'then the way back to the app on Heroku')
  await page.keyboard.press('Tab')
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Sign out')
  t.equal(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'solid', 'focus is visible')
  for (const name of ['Overview', 'Logs', 'Metrics', 'Autoscaling', 'Credentials']) {
    await page.keyboard.press('Tab')
    t.equal(await page.evaluate(() => document.activeElement?.textContent), name, `Tab reaches ${name}`)
  }
  await Promise.all([page.waitForURL(`**/dashboard/${uuid}/credentials`), page.keyboard.press('Enter')])
  t.equal(await page.textContent('h1'), 'Credentials')
  await page.close()
})

t.test('refused sign-ins show the 403 page', async (t) => {
  const uuid = await createInstance(stack)
  const gone = await createInstance(stack, { state: 'deprovisioned' })
  const used = ssoForm(stack, uuid)
  const first = await openFromHeroku(used)
  t.equal(first.ssoStatus, 303)
  await first.page.close()
  await browser.clearCookies()
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['forged', ssoForm(stack, uuid, { salt: 'somebody-elses-salt' }), /could not be verified/],
    ['stale', ssoForm(stack, uuid, { age: 360 }), /expired/],
    ['future', ssoForm(stack, uuid, { age: -120 }), /in the future/],
    ['replayed', used, /already been used/],
    ['unknown', ssoForm(stack, randomUUID()), /does not exist/],
    ['deprovisioned', ssoForm(stack, gone), /no longer available/]
  ]
  for (const [name, params, reason] of cases) {
    const { page, ssoStatus } = await openFromHeroku(params)
    t.equal(ssoStatus, 403, `${name}: 403`)
    t.equal(await page.textContent('h1'), 'Sign-in failed', `${name}: the 403 page`)
    t.match(await page.textContent('main'), reason, `${name}: says why`)
    t.match(await page.textContent('main'), /heroku addons:open addonkit --app my-app/, `${name}: says what to do`)
    t.equal((await browser.cookies()).filter((c) => c.name === 'addonkit_session').length, 0, `${name}: no session`)
    await screenshot(page, `sso-refused-${name}`)
    await page.close()
  }
})

t.test('rotating credentials through the UI reaches the Heroku simulator', async (t) => {
  const uuid = await stack.provision()
  const before = stack.sim.addons.get(uuid)!.config.ADDONKIT_URL
  t.ok(before, 'Heroku has the config from provisioning')
  const { page } = await openFromHeroku(ssoForm(stack, uuid))
  await Promise.all([page.waitForURL('**/credentials'), page.getByRole('link', { name: 'Credentials', exact: true }).first().click()])
  t.equal(await page.locator('[data-value-of]').count(), 0, 'values hidden at first')
  t.notOk((await page.content()).includes(before!), 'the value is nowhere on the page')
  await page.getByRole('button', { name: 'Show values' }).click()
  await page.waitForSelector('[data-credentials="revealed"]')
  t.equal(await page.textContent('[data-value-of="ADDONKIT_URL"]'), before, 'the revealed value is the one Heroku has')
  await screenshot(page, 'credentials-revealed')

  await page.getByRole('link', { name: 'Hide values' }).click()
  await page.waitForSelector('[data-credentials="hidden"]')
  await page.getByRole('button', { name: 'Rotate credentials' }).click()
  await page.waitForSelector('[data-rotation]')
  const op = await stack.db.prisma.operation.findFirst({ where: { instanceUuid: uuid, kind: 'rotate_credentials' } })
  t.ok(op, 'the rotation operation was enqueued')
  t.ok(await stack.db.prisma.auditEvent.findFirst({ where: { instanceUuid: uuid, event: 'rotation_requested' } }), 'and audited')
  // The page refreshes itself until the allocator has finished.
  await page.waitForSelector('[data-rotation="succeeded"]', { timeout: 20_000 })
  t.equal((await stack.db.prisma.operation.findUnique({ where: { id: op!.id } }))?.status, 'succeeded')
  const after = stack.sim.addons.get(uuid)!.config.ADDONKIT_URL
  t.not(after, before, 'Heroku received new credentials')
  const stored = openResourceOutput(stack.keyRing, uuid, (await stack.db.prisma.instance.findUnique({ where: { uuid } }))!.configEnc)
  t.equal(after, stored?.config.ADDONKIT_URL, 'the simulator has exactly the stored config')
  t.ok(stack.sim.calls.some((c) => c.method === 'PATCH' && c.path === `/api/addons/${uuid}/config` && c.status === 200), 'PATCHed through the Platform API')
  await screenshot(page, 'credentials-rotated')

  await page.getByRole('button', { name: 'Show values' }).click()
  await page.waitForSelector('[data-credentials="revealed"]')
  t.equal(await page.textContent('[data-value-of="ADDONKIT_URL"]'), after, 'the dashboard shows the new value')

  await Promise.all([page.waitForURL('**/activity'), page.getByRole('link', { name: 'Activity' }).click()])
  const events = await page.locator('tr[data-event]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')))
  t.ok(events.includes('credentials_rotated') && events.includes('rotation_requested'), 'activity shows the rotation')
  await screenshot(page, 'activity')
  await page.close()
})

t.test('an idle session shows the sign-in-required page', async (t) => {
  const uuid = await createInstance(stack)
  const page = await browser.newPage()
  const url = `${short.url}/sso/login`
  await page.goto(heroku.open(url, ssoForm(stack, uuid)))
  await page.waitForURL(`**/dashboard/${uuid}`)
  t.equal(await page.getAttribute('main', 'data-page'), 'overview')
  await sleep(2000)
  const answer = page.waitForResponse((r) => r.url().endsWith('/activity'))
  await page.getByRole('link', { name: 'Activity' }).click()
  t.equal((await answer).status(), 403)
  await page.waitForSelector('main[data-page="login-required"]')
  t.equal(await page.textContent('h1'), 'Sign-in required')
  t.match(await page.textContent('main'), /heroku addons:open/)
  await screenshot(page, 'session-expired')
  await page.close()
})

t.test('a form without its CSRF token is refused', async (t) => {
  const uuid = await createInstance(stack)
  const { page } = await openFromHeroku(ssoForm(stack, uuid))
  await page.goto(`${dash.url}/dashboard/${uuid}/credentials`)
  await page.evaluate(() => { for (const el of document.querySelectorAll('input[name="_csrf"]')) el.remove() })
  const answer = page.waitForResponse((r) => r.url().endsWith('/credentials/rotate'))
  await page.getByRole('button', { name: 'Rotate credentials' }).click()
  t.equal((await answer).status(), 403)
  await page.waitForSelector('main[data-error-code="DASH_CSRF_INVALID"]')
  t.equal(await page.textContent('h1'), 'Form refused')
  t.equal(await stack.db.prisma.operation.count({ where: { instanceUuid: uuid } }), 0, 'nothing was enqueued')
  await screenshot(page, 'csrf-refused')

  // Signing out (with its token) ends the session.
  await page.goto(`${dash.url}/dashboard/${uuid}`)
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForSelector('main[data-page="signed-out"]')
  await page.goto(`${dash.url}/dashboard/${uuid}`)
  t.equal(await page.getAttribute('main', 'data-page'), 'login-required')
  await page.close()
})
