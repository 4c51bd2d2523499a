// The Autoscaling page in a real browser (Debian Chromium via playwright-core): signed in
// through Heroku's SSO page, the page shows the chart drawn by uPlot from our assets (no
// script error, the table folded away), the decision history with the reasons; the settings
// form is reached and filled with the keyboard alone, with visible focus, and saved; a
// refused save shows the reasons with the summary focused; "Connect Heroku account" goes to
// the simulator's id.heroku.com and back (the CSP lets the form's redirect through) and
// stores the account; every control is labelled; the page fits 375px.
import t from 'tap'
import type { Page } from 'playwright-core'
import { validatePolicy, WINDOW_MS, type Policy } from '@addonkit/autoscale'
import { loadPolicies, noteFormation, recordDecision, savePolicy } from '@addonkit/lifecycle'
import { createInstance, ssoForm } from './helper.js'
import { launchChromium, screenshot, startHerokuSsoPage } from './browser-helper.js'
import { createLogTenant } from './log-fixtures.js'
import { decision, insertWindow } from './autoscaling-fixtures.js'
import { startStack } from './stack.js'

const stack = await startStack(t)
const dash = await stack.dashboard()
const heroku = await startHerokuSsoPage(t)
const browser = await launchChromium(t)
const ssoUrl = `${dash.url}/sso/login`

function policy (o: Record<string, unknown>): Policy {
  const v = validatePolicy({ enabled: false, min: 1, max: 4, ...o })
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  return v.policy
}

async function signedIn (uuid: string): Promise<{ page: Page, errors: string[] }> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  // A refused save answers 400 on purpose (Chromium logs it as a failed load); the rest counts.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()) })
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico') && !(r.status() === 400 && r.url().includes('/autoscaling/policies/'))) errors.push(`${r.status()} ${r.url()}`) })
  await page.goto(heroku.open(ssoUrl, ssoForm(stack, uuid)))
  await page.waitForURL(`**/dashboard/${uuid}`)
  return { page, errors }
}

const active = (page: Page) => page.evaluate(() => {
  const el = document.activeElement as HTMLElement | null
  return el ? (el.id || el.textContent?.trim() || el.tagName) : null
})

const REASON = 'p95 service 812 ms > 500 ms for 30 s → web 2 → 3'

t.test('the page, its chart and history; the settings saved with the keyboard alone', async (t) => {
  const uuid = await createInstance(stack)
  const tenant = await createLogTenant(stack.db, uuid)
  await savePolicy(stack.db, uuid, 'web', policy({}), 'test')
  await noteFormation(stack.db, uuid, 'web', 2, 'standard-1X')
  const w0 = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS
  for (let i = 1; i <= 12; i++) await insertWindow(stack.db, tenant, 'web', w0 - i * WINDOW_MS, { requests: 30, serviceMs: i < 4 ? 900 : 150 })
  await recordDecision(stack.db, uuid, decision('web', 1, 2, { reason: 'p95 service 900 ms > 500 ms for 30 s → web 1 → 2' }), 'done', { at: new Date(w0 - 55_000) })
  await recordDecision(stack.db, uuid, decision('web', 2, 3, { applied: false, reason: REASON }), 'recorded', { at: new Date(Date.now() - 15_000) })

  const { page, errors } = await signedIn(uuid)
  await Promise.all([page.waitForURL('**/autoscaling'), page.getByRole('link', { name: 'Autoscaling', exact: true }).click()])
  t.equal(await page.textContent('h1'), 'Autoscaling')
  t.equal(await page.getAttribute('nav a[aria-current="page"]', 'href'), `/dashboard/${uuid}/autoscaling`)

  // The chart, drawn by uPlot from /assets; its table folds away but stays one click away.
  await page.waitForSelector('[data-chart="autoscale"][data-chart-state="drawn"] canvas')
  t.equal(await page.locator('[data-chart="autoscale"] .u-legend').count(), 1, 'with its legend')
  t.match(await page.textContent('[data-chart="autoscale"] .u-legend'), /Scale up above[^]*Scale down below[^]*Scale events/)
  t.equal(await page.evaluate(() => (document.querySelector('details[data-table-of]') as HTMLDetailsElement).open), false)
  t.equal(await page.locator('table[data-autoscale-table="web"] tbody tr').count(), 12, 'the windows with data, in the table')
  t.match(await page.textContent('table[data-autoscale-table="web"] tr[data-scale-event]'), /web 1 → 2 \(autoscaler\)/, 'the scale event marked')
  // Hovering the scale event's point shows what happened in the legend.
  await page.locator('[data-chart="autoscale"]').scrollIntoViewIfNeeded()
  const box = (await page.locator('[data-chart="autoscale"] .u-over').boundingBox())!
  const t0 = await page.evaluate(() => { const d = JSON.parse(document.getElementById('metrics-data')!.textContent!); const k = Object.keys(d)[0]!; return { first: d[k].t[0], last: d[k].t.at(-1), at: d[k].t[d[k].notes.findIndex((n: string | null) => n)] } })
  await page.mouse.move(box.x + box.width * (t0.at - t0.first) / (t0.last - t0.first), box.y + box.height / 2, { steps: 5 })
  t.match(await page.textContent('[data-chart="autoscale"] .u-legend'), /Scale events\s*web 1 → 2 \(autoscaler\)/, 'the legend names the event under the cursor')

  // The decision history: "would have" while off, with the reason.
  const row = page.locator('tr[data-action="scale"]', { hasText: REASON })
  t.equal(await row.count(), 1)
  t.match(await row.textContent(), /Would have scaled up 2 → 3[^]*No: autoscaling was off[^]*Recorded, not applied/)
  await screenshot(page, 'autoscaling')

  // Every control has a label.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label')).map((el) => el.id))
  t.same(unlabelled, [], 'no unlabelled control')

  // The keyboard: from the skip link into main, then Tab reaches the settings form's controls in order.
  await page.keyboard.press('Tab')
  t.equal(await active(page), 'Skip to main content')
  await page.keyboard.press('Enter')
  const order: string[] = []
  for (let i = 0; i < 40 && !order.includes('type-web-downscale_delay_s'); i++) {
    await page.keyboard.press('Tab')
    order.push((await active(page)) ?? '')
  }
  const form = order.slice(order.indexOf('type-web-enabled-off'))
  t.same(form.slice(0, 9), ['type-web-enabled-off', 'type-web-min', 'type-web-max', 'type-web-metric', 'type-web-upscale_above', 'type-web-downscale_below', 'type-web-upscale_jump', 'type-web-upscale_cooldown_s', 'type-web-downscale_delay_s'], 'Tab walks the form in order (the radio group is one stop)')
  t.equal(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'solid', 'focus is visible')

  // Fill it by keyboard: back to the radio group, on; then min, max and the threshold.
  for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+Tab')
  t.equal(await active(page), 'type-web-enabled-off')
  await page.keyboard.press('ArrowUp')
  t.equal(await active(page), 'type-web-enabled-on')
  t.ok(await page.isChecked('#type-web-enabled-on'), 'the arrow key turns it on')
  const typeInto = async (value: string) => { await page.keyboard.press('Tab'); await page.keyboard.press('ControlOrMeta+A'); await page.keyboard.type(value) }
  await typeInto('2')
  await typeInto('6')
  await page.keyboard.press('Tab') // the metric stays
  await typeInto('650')
  for (let i = 0; i < 5; i++) await page.keyboard.press('Tab')
  t.equal(await active(page), 'Save settings of web')
  const saved = page.waitForResponse((r) => r.url().endsWith('/autoscaling/policies/web') && r.request().method() === 'POST')
  await page.keyboard.press('Enter')
  t.equal((await saved).status(), 303)
  await page.waitForSelector('[data-notice="saved"]')
  t.match(await page.textContent('[data-notice="saved"]'), /settings of web were saved/)
  t.equal(await page.inputValue('#type-web-min'), '2')
  t.equal(await page.inputValue('#type-web-max'), '6')
  t.equal(await page.inputValue('#type-web-upscale_above'), '650')
  t.equal(await page.getAttribute('[data-process-type="web"] [data-policy-state]', 'data-policy-state'), 'on')
  t.match((await loadPolicies(stack.db, uuid))[0]!.policy, { enabled: true, min: 2, max: 6, upscale_above: 650, downscale_below: 200, metric: 'service_p95' }, 'saved')
  await screenshot(page, 'autoscaling-saved')

  // A refused save: 400, the summary focused, the reason beside the field, nothing saved.
  await page.fill('#type-web-min', '9')
  const refused = page.waitForResponse((r) => r.url().endsWith('/autoscaling/policies/web'))
  await page.getByRole('button', { name: 'Save settings of web' }).click()
  t.equal((await refused).status(), 400)
  await page.waitForSelector('[data-form-errors]')
  t.equal(await active(page), 'type-web-errors', 'the error summary has the focus')
  t.match(await page.textContent('[data-error-for="min"]'), /must not be greater than max \(9 > 6\)/)
  t.equal(await page.getAttribute('#type-web-min', 'aria-invalid'), 'true')
  t.equal((await loadPolicies(stack.db, uuid))[0]!.policy.min, 2, 'nothing saved')
  await screenshot(page, 'autoscaling-refused')

  // Usable at 375px: no horizontal scrolling.
  await page.goto(`${dash.url}/dashboard/${uuid}/autoscaling`)
  await page.setViewportSize({ width: 375, height: 800 })
  await page.waitForTimeout(300)
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'fits 375px')
  await screenshot(page, 'autoscaling-375px')
  t.same(errors, [], 'no script error, no failed load')
  await page.close()
})

t.test('Connect Heroku account: to the simulator\'s id.heroku.com and back', async (t) => {
  const uuid = await createInstance(stack)
  stack.sim.registerAddon(uuid, { plan: 'hobby' })
  await stack.db.prisma.autoscaleApp.create({ data: { instanceUuid: uuid, authorization: 'needs_user' } })
  const { page, errors } = await signedIn(uuid)
  await page.goto(`${dash.url}/dashboard/${uuid}/autoscaling`)
  t.match(await page.textContent('[data-authorization]'), /Heroku refused the add-on's token: connect a Heroku account/)
  const authorize = page.waitForRequest((r) => r.url().startsWith(`${stack.sim.idUrl}/oauth/authorize`))
  await page.getByRole('button', { name: 'Connect Heroku account' }).click()
  t.match(new URL((await authorize).url()).searchParams.get('scope'), 'write')
  await page.waitForSelector('[data-notice="connected"]')
  t.equal(new URL(page.url()).pathname, `/dashboard/${uuid}/autoscaling`)
  t.match(await page.textContent('[data-notice="connected"]'), /Your Heroku account is connected/)
  t.equal(await page.getAttribute('[data-account]', 'data-account'), 'connected')
  t.ok(await stack.db.prisma.userOAuthToken.findUnique({ where: { instanceUuid: uuid } }), 'stored')
  const state = (await browser.cookies()).find((c) => c.name === 'addonkit_oauth_state')
  t.notOk(state, 'the state cookie is gone')
  await screenshot(page, 'autoscaling-connected')

  await page.getByRole('button', { name: 'Disconnect Heroku account' }).click()
  await page.waitForSelector('[data-notice="disconnected"]')
  t.equal(await stack.db.prisma.userOAuthToken.findUnique({ where: { instanceUuid: uuid } }), null)
  t.same(errors, [])
  await page.close()
})
