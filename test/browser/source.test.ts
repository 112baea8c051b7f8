/**
 * A source's page in Chromium: the overview's counters and chart, recent events opening into JSON (a
 * payload written to run script shows as text), inferring a schema from received events and attaching
 * it, editing the settings, rotating the secret with a grace period, deleting after typing the name, and
 * the no-data alarm firing and clearing as the server's clock moves on. No request leaves Inlet's origin.
 */
import { expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import {
  type ConsolePage,
  type ConsoleServer,
  onlyOwnOrigin,
  openConsole,
  screenshot,
  signIn,
  withConsole,
} from './harness.ts'

interface CreatedSource {
  integrationId: string
  integrationLabel: string
  logTypes: string[]
  allowedCidrs: string[]
  authBearerToken?: string
}

let server: ConsoleServer
let browser: Browser
withConsole((started, launched) => {
  server = started
  browser = launched
})

const createSource = (body: Record<string, unknown>) =>
  server.api<CreatedSource>('POST', '/log-sources/http', { authMethod: 'None', ...body })

async function send(id: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${server.url}/http/${id}`, { method: 'POST', headers, body })
  await response.arrayBuffer()
  return response.status
}

const ndjson = (events: unknown[]) => events.map((event) => JSON.stringify(event)).join('\n')

/** The console at `#/sources/<id>[/<tab>]`, signed in, once the source's name is shown. */
async function openSource(
  id: string,
  label: string,
  options: { tab?: string; colorScheme?: 'light' | 'dark'; width?: number } = {},
): Promise<ConsolePage> {
  const opened = await openConsole(browser, server, {
    path: `#/sources/${id}${options.tab ? `/${options.tab}` : ''}`,
    colorScheme: options.colorScheme,
    width: options.width,
  })
  await signIn(opened.page)
  await opened.page.getByRole('heading', { level: 1, name: label }).waitFor()
  return opened
}

/** Polls `check` until it holds, clicking Refresh (or reloading) between tries, or fails at the deadline. */
async function until(page: Page, check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await page.waitForTimeout(250)
    await page.getByRole('button', { name: 'Refresh' }).click()
    await page.waitForTimeout(100)
  }
}

/** No request left Inlet's origin, and the page logged no error but the refusals a test provoked. */
function expectClean({ requests, problems }: ConsolePage, provoked?: RegExp) {
  expect(onlyOwnOrigin(requests, server)).toEqual([])
  expect(problems.filter((problem) => !provoked?.test(problem))).toEqual([])
}

/** The counter tile with this label. */
const stat = (page: Page, label: string) =>
  page
    .locator('.stat')
    .filter({ has: page.getByText(label, { exact: true }) })
    .locator('b')

test('the overview shows the header, the counters, a chart of events and the open system errors', async () => {
  const source = await createSource({ integrationLabel: 'Web shop' })
  const id = source.integrationId
  expect(await send(id, ndjson([{ order: 1 }, { order: 2 }, { order: 3 }]))).toBe(200)
  const opened = await openSource(id, 'Web shop')
  const { page } = opened
  try {
    await page.getByText(`${server.url}/http/${id}`).waitFor()
    await page.getByRole('button', { name: /Copy ingest URL/ }).waitFor()
    expect(await page.getByText('none: anyone who knows the URL can send').count()).toBe(1)
    const tabs = page.getByRole('navigation', { name: 'Source sections' })
    expect(await tabs.getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBe('page')
    await stat(page, 'Events stored').filter({ hasText: /^3$/ }).waitFor()
    expect(await stat(page, 'Requests').textContent()).toBe('1')
    expect(await stat(page, 'Auth failures').textContent()).toBe('0')
    expect(await stat(page, 'Unclassified').textContent()).toBe('0')
    expect(await stat(page, 'Received').textContent()).toMatch(/^\d+ bytes$/)
    await page.getByText('3 events in the last 24 hours.').waitFor()
    await page.locator('.chart canvas').first().waitFor()
    expect(await page.getByRole('img', { name: /Events: 3 in \d+ buckets/ }).count()).toBe(1)
    await page.getByText('None: nothing is wrong with this source.').waitFor()
    // The alarm of a new source waits for its first event after being turned on: it has had it.
    await until(page, async () => (await page.locator('[data-alarm-state="OK"]').count()) === 1, 'alarm OK')
    await screenshot(page, 'source-overview')

    // The range switch asks for other buckets: 7 d by day, 1 h by minute.
    await page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '7 d' }).click()
    await page.getByText('3 events in the last 7 days.').waitFor()
    expect(await page.getByRole('button', { name: '7 d' }).getAttribute('aria-pressed')).toBe('true')
    expect(opened.requests.some((url) => url.includes('interval=1d'))).toBe(true)
    await page.getByRole('button', { name: '1 h' }).click()
    await page.getByText('3 events in the last hour.').waitFor()
    await page.getByRole('img', { name: /Events: 3 in 6[01] buckets/ }).waitFor()
    expectClean(opened)
  } finally {
    await opened.close()
  }

  const dark = await openSource(id, 'Web shop', { colorScheme: 'dark' })
  try {
    await dark.page.locator('.chart canvas').first().waitFor()
    await stat(dark.page, 'Events stored').filter({ hasText: /^3$/ }).waitFor()
    await screenshot(dark.page, 'source-overview-dark')
    expectClean(dark)
  } finally {
    await dark.close()
  }
  // A laptop's width: the header facts and the panels rearrange, nothing overflows sideways.
  const laptop = await openSource(id, 'Web shop', { width: 900 })
  try {
    await laptop.page.locator('.chart canvas').first().waitFor()
    await screenshot(laptop.page, 'source-overview-laptop')
    expect(await laptop.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(900)
    await laptop.page.getByRole('link', { name: 'Recent events' }).click()
    await laptop.page.getByRole('list', { name: 'Recent events' }).waitFor()
    await screenshot(laptop.page, 'source-events-laptop')
    expect(await laptop.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(900)
    expectClean(laptop)
  } finally {
    await laptop.close()
  }
})

test('recent events open into JSON, render what senders wrote as text, and page with Load more', async () => {
  const source = await createSource({ integrationLabel: 'Hostile sender' })
  const id = source.integrationId
  const filler = Array.from({ length: 55 }, (_, i) => ({ n: i, level: 'info', message: `event number ${i}` }))
  expect(await send(id, ndjson(filler))).toBe(200)
  const xss = {
    msg: '<img src=x onerror="window.__xss=1">',
    s: '<script>window.__xss=2</script>',
    u: 'javascript:alert(1)',
  }
  expect(await send(id, JSON.stringify(xss))).toBe(200)
  const opened = await openSource(id, 'Hostile sender', { tab: 'events' })
  const { page } = opened
  try {
    const list = page.getByRole('list', { name: 'Recent events' })
    await list.waitFor()
    expect(await list.locator(':scope > li').count()).toBe(50)
    // The newest is the hostile one, shown as the characters it holds.
    const first = list.locator(':scope > li').first()
    await first.getByText('<img src=x onerror=\\"window.__xss=1\\">', { exact: false }).waitFor()
    const toggle = first.getByRole('button')
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    await toggle.click()
    expect(await toggle.getAttribute('aria-expanded')).toBe('true')
    const json = first.locator('pre.json')
    await json.waitFor()
    const shown = JSON.parse((await json.textContent()) ?? '')
    expect(shown.msg).toBe(xss.msg)
    expect(shown.s).toBe(xss.s)
    expect(shown.u).toBe(xss.u)
    expect(shown.p_source_id).toBe(id)
    await page.getByText('"<script>window.__xss=2</script>"', { exact: false }).first().waitFor()
    expect(await list.locator('img, script, a').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    await screenshot(page, 'source-events')

    // Keyboard: the rows are buttons, Enter closes the open one.
    await toggle.focus()
    await page.keyboard.press('Enter')
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')

    await page.getByRole('button', { name: 'Load more' }).click()
    await page.getByText('Showing 56 events.').waitFor()
    expect(await list.locator(':scope > li').count()).toBe(56)
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0)
    await list.getByText('"message":"event number 0"', { exact: false }).waitFor()
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    expectClean(opened)
  } finally {
    await opened.close()
  }
})

test('a schema inferred from received events is saved and attached, as drafted or as edited', async () => {
  const source = await createSource({ integrationLabel: 'checkout api' })
  const id = source.integrationId
  const events = Array.from({ length: 20 }, (_, i) => ({
    user: `user${i}`,
    status: 200 + (i % 3),
    path: `/cart/${i}`,
    at: new Date(Date.UTC(2026, 0, 1, 12, i)).toISOString(),
  }))
  expect(await send(id, ndjson(events))).toBe(200)
  const opened = await openSource(id, 'checkout api', { tab: 'schema' })
  const { page } = opened
  try {
    await page.getByText('None yet: events are stored as received, without a log type.').waitFor()
    await page.getByRole('button', { name: 'Infer a schema' }).click()
    const spec = page.getByLabel('Schema (YAML)')
    await spec.waitFor()
    expect(await spec.inputValue()).toContain('fields:')
    await page.getByText('Inferred from 20 events.').waitFor()
    const name = page.getByLabel('Name of the new schema')
    expect(await name.inputValue()).toBe('Custom.CheckoutApi')
    await screenshot(page, 'source-schema-infer')

    await page.getByRole('button', { name: 'Save as new schema and attach' }).click()
    await page
      .getByRole('status')
      .getByText('Custom.CheckoutApi was created and attached to this source.')
      .waitFor()
    const attached = page.getByRole('list', { name: 'Attached log types' })
    await attached.getByText('Custom.CheckoutApi').waitFor()
    expect(opened.requests.some((url) => url.endsWith(`/log-sources/http/${id}/infer-schema`))).toBe(true)
    let stored = await server.api<CreatedSource>('GET', `/log-sources/http/${id}`)
    expect(stored.logTypes).toEqual(['Custom.CheckoutApi'])

    // An edited draft goes through POST /schemas and a PUT of the source; the server's error names the line.
    await page.getByRole('button', { name: 'Infer a schema' }).click()
    await spec.waitFor()
    expect(await name.inputValue()).toBe('Custom.CheckoutApi2')
    const draft = await spec.inputValue()
    await spec.fill(`${draft}  - name: broken\n   type: [\n`)
    await name.fill('Custom.CheckoutEdited')
    await page.getByRole('button', { name: 'Save as new schema and attach' }).click()
    const problem = page.getByRole('alert')
    await problem.getByText(/spec: invalid YAML/).waitFor()
    await problem.getByText(/^Line \d+:/).waitFor()
    expect(await spec.getAttribute('aria-invalid')).toBe('true')
    await problem.getByRole('button', { name: /Show line/ }).click()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('infer-spec')
    await spec.fill(`# edited by hand\n${draft}`)
    await page.getByRole('button', { name: 'Save as new schema and attach' }).click()
    await page.getByText('Custom.CheckoutEdited was created and attached to this source.').waitFor()
    await attached.getByText('Custom.CheckoutEdited').waitFor()
    stored = await server.api<CreatedSource>('GET', `/log-sources/http/${id}`)
    expect(stored.logTypes).toEqual(['Custom.CheckoutEdited', 'Custom.CheckoutApi'])
    const schema = await server.api<{ spec: string }>('GET', '/schemas/Custom.CheckoutEdited')
    expect(schema.spec).toStartWith('# edited by hand\n')

    // Detach one, attach it again from the list of schemas.
    await page.getByRole('button', { name: 'Detach Custom.CheckoutApi' }).click()
    await page.getByText('Custom.CheckoutApi was detached.').waitFor()
    stored = await server.api<CreatedSource>('GET', `/log-sources/http/${id}`)
    expect(stored.logTypes).toEqual(['Custom.CheckoutEdited'])
    await page.getByLabel('Attach a schema').selectOption('Custom.CheckoutApi')
    await page.getByRole('button', { name: 'Attach', exact: true }).click()
    await page.getByText('Custom.CheckoutApi was attached.').waitFor()
    stored = await server.api<CreatedSource>('GET', `/log-sources/http/${id}`)
    expect(stored.logTypes).toEqual(['Custom.CheckoutEdited', 'Custom.CheckoutApi'])
    // The invalid spec was a 400 the page showed; nothing else went wrong.
    expectClean(opened, /status of 400/)
  } finally {
    await opened.close()
  }
})

test('settings are saved with a PUT; a rotated secret is shown once and the old one works for the grace period', async () => {
  const source = await createSource({ integrationLabel: 'billing hooks', authMethod: 'Bearer' })
  const id = source.integrationId
  const oldToken = source.authBearerToken!
  expect(oldToken).toBeString()
  const opened = await openSource(id, 'billing hooks', { tab: 'settings' })
  const { page } = opened
  try {
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true)
    await page.getByLabel('Name', { exact: true }).fill('billing webhooks')
    await page.getByLabel('Stream type').selectOption('JSON')
    const cidrs = page.getByLabel('Allowed sender addresses')
    await cidrs.fill('127.0.0.1\nnot-an-address')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page
      .getByRole('alert')
      .getByText(/allowedCidrs\[1\]/)
      .waitFor()
    expect(await cidrs.getAttribute('aria-invalid')).toBe('true')
    await cidrs.fill('127.0.0.1\n::1\n')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByRole('heading', { level: 1, name: 'billing webhooks' }).waitFor()
    const stored = await server.api<CreatedSource & { logStreamType: string }>(
      'GET',
      `/log-sources/http/${id}`,
    )
    expect(stored.integrationLabel).toBe('billing webhooks')
    expect(stored.logStreamType).toBe('JSON')
    expect(stored.allowedCidrs).toEqual(['127.0.0.1', '::1'])
    await screenshot(page, 'source-settings')

    // Still accepted with the token it was created with.
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
    expect(await send(id, '{"a":1}', bearer(oldToken))).toBe(200)

    await page.getByLabel('Grace period for the old bearer token').fill('5')
    await page.getByLabel('Unit of the grace period').selectOption('minutes')
    await page.getByRole('button', { name: 'Rotate the bearer token' }).click()
    const shown = page.locator('.source-secret')
    await shown.getByText('copy it now, it will not be shown again', { exact: false }).waitFor()
    await page.waitForFunction(() => document.activeElement?.classList.contains('source-secret'))
    const newToken = (await shown.locator('code').textContent()) ?? ''
    expect(newToken.length).toBeGreaterThanOrEqual(8)
    expect(newToken).not.toBe(oldToken)
    await shown.getByText(/The old bearer token is accepted until/).waitFor()
    await shown.getByRole('button', { name: /Copy new bearer token/ }).click()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(newToken)
    await screenshot(page, 'source-rotated')

    expect(await send(id, '{"a":2}', bearer(oldToken))).toBe(200)
    expect(await send(id, '{"a":3}', bearer(newToken))).toBe(200)
    expect(await send(id, '{"a":4}', bearer('not-the-token-at-all'))).toBe(401)

    // Shown once: dismissed, and not there after a reload either.
    await shown.getByRole('button', { name: 'I have copied it' }).click()
    expect(await page.getByText(newToken).count()).toBe(0)
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'billing webhooks' }).waitFor()
    await page.getByText(/The previous bearer token is accepted until/).waitFor()
    expect(await page.content()).not.toContain(newToken)
    expectClean(opened, /status of 400/)
  } finally {
    await opened.close()
  }
})

test('a source without a secret has nothing to rotate; deleting asks for its name typed', async () => {
  const source = await createSource({ integrationLabel: 'old feed' })
  const id = source.integrationId
  const opened = await openSource(id, 'old feed', { tab: 'settings' })
  const { page } = opened
  try {
    await page.getByText('This source has no secret to rotate: its auth method is None.').waitFor()
    await page.getByRole('button', { name: 'Delete source…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete old feed?' })
    await dialog.waitFor()
    const remove = dialog.getByRole('button', { name: 'Delete', exact: true })
    expect(await remove.isDisabled()).toBe(true)
    const confirm = dialog.getByLabel('Type old feed to confirm')
    await confirm.fill('old fee')
    expect(await remove.isDisabled()).toBe(true)
    // Cancel closes it and deletes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    await server.api('GET', `/log-sources/http/${id}`)

    await page.getByRole('button', { name: 'Delete source…' }).click()
    await dialog.getByLabel('Type old feed to confirm').fill('old feed')
    expect(await remove.isDisabled()).toBe(false)
    await screenshot(page, 'source-delete')
    await remove.click()
    await page.waitForURL((url) => url.hash === '#/sources')
    const response = await fetch(`${server.url}/log-sources/http/${id}`, {
      headers: { 'x-api-key': 'browser-test-api-key-0001' },
    })
    expect(response.status).toBe(404)
    expect(await send(id, '{"late":true}')).toBe(404)
    expectClean(opened)
  } finally {
    await opened.close()
  }
})

test("an HMAC source's hash and header follow its signature scheme", async () => {
  const source = await createSource({
    integrationLabel: 'gh audit',
    authMethod: 'HMAC',
    authHmacScheme: 'github',
  })
  const id = source.integrationId
  const opened = await openSource(id, 'gh audit', { tab: 'settings' })
  const { page } = opened
  try {
    const header = page.getByLabel('Signature header')
    expect(await header.inputValue()).toBe('X-Hub-Signature-256')
    await page.getByLabel('Hash').selectOption('sha1')
    expect(await header.inputValue()).toBe('X-Hub-Signature')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('HMAC-SHA1 signature (github) in the X-Hub-Signature header').waitFor()
    const stored = await server.api<Record<string, unknown>>('GET', `/log-sources/http/${id}`)
    expect(stored.authHmacAlg).toBe('sha1')
    expect(stored.authHeaderKey).toBe('X-Hub-Signature')
    // Standard Webhooks takes SHA-256 only: the hash and the header move with the scheme.
    await page.getByLabel('Signature scheme').selectOption('standard-webhooks')
    expect(await page.getByLabel('Hash').inputValue()).toBe('sha256')
    expect(await header.inputValue()).toBe('webhook-signature')
    await page.getByRole('button', { name: 'Rotate the signing key' }).waitFor()
    expectClean(opened)
  } finally {
    await opened.close()
  }
})

// Last: it moves the server's clock forward, which the tests above do not expect.
test('the no-data alarm: threshold set in the page, fires after a quiet spell, clears with the next event', async () => {
  const source = await createSource({ integrationLabel: 'quiet sender' })
  const id = source.integrationId
  const opened = await openSource(id, 'quiet sender')
  const { page } = opened
  const state = (name: string) => async () =>
    (await page.locator(`[data-alarm-state="${name}"]`).count()) === 1
  try {
    await page.locator('[data-alarm-state="INSUFFICIENT_DATA"]').waitFor()
    await page.getByText('No event has arrived since the alarm was turned on', { exact: false }).waitFor()
    const minutes = page.getByLabel('Fire after this many minutes without events')
    expect(await minutes.inputValue()).toBe('1440')
    await minutes.fill('5')
    await page.getByRole('button', { name: 'Save threshold' }).click()
    await page
      .getByRole('alert')
      .getByText(/from 15 to 43,200/)
      .waitFor()
    await minutes.fill('15')
    await page.getByRole('button', { name: 'Save threshold' }).click()
    await page.getByText('The threshold is saved.').waitFor()
    const alarm = await server.api<{ minutesThreshold: number }>(
      'GET',
      `/log-source-alarms/${id}/SOURCE_NO_DATA`,
    )
    expect(alarm.minutesThreshold).toBe(15)

    expect(await send(id, '{"hello":"world"}')).toBe(200)
    await until(page, state('OK'), 'the alarm to be OK')
    server.advanceMinutes(16)
    await until(page, state('ALARM'), 'the alarm to fire')
    await page.getByText('No event for 15 min or more.', { exact: false }).waitFor()
    await page.getByRole('heading', { name: 'Open system errors' }).waitFor()
    await until(
      page,
      async () => (await page.locator('.source-errors').getByText('SOURCE_NO_DATA').count()) === 1,
      'the open system error',
    )
    expect(await page.locator('.badge', { hasText: 'unhealthy' }).count()).toBe(1)
    await screenshot(page, 'source-overview-alarm')

    expect(await send(id, '{"hello":"again"}')).toBe(200)
    await until(page, state('OK'), 'the alarm to clear')
    await until(
      page,
      async () => (await page.locator('.source-errors').count()) === 0,
      'the error to resolve',
    )

    // Off is a DELETE, on again a PUT.
    await page.getByRole('button', { name: 'Turn off' }).click()
    await page.getByText('The alarm is off.').waitFor()
    await page.getByText('Inlet will not tell you when this source goes quiet.').waitFor()
    const off = await fetch(`${server.url}/log-source-alarms/${id}/SOURCE_NO_DATA`, {
      headers: { 'x-api-key': 'browser-test-api-key-0001' },
    })
    expect(off.status).toBe(404)
    await minutes.fill('30')
    await page.getByRole('button', { name: 'Turn on' }).click()
    await page.getByText('The alarm is on.').waitFor()
    const on = await server.api<{ minutesThreshold: number }>(
      'GET',
      `/log-source-alarms/${id}/SOURCE_NO_DATA`,
    )
    expect(on.minutesThreshold).toBe(30)
    expectClean(opened)
  } finally {
    await opened.close()
  }
})
