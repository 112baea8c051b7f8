/**
 * The search page in Chromium: a query that matches some events shows their count, a histogram and a
 * page of rows; a row opens to its JSON; "Load more" brings the next page; the URL holds the search, so a
 * reload gives it back; the syntax help is one click away; a malformed query is shown at its position; and
 * an event written to attack the page is shown as the text it is.
 */
import { expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { type ConsoleServer, onlyOwnOrigin, openConsole, screenshot, signIn, withConsole } from './harness.ts'

let server: ConsoleServer
let browser: Browser
let web: string
let other: string

const XSS = {
  msg: '<img src=x onerror="window.__xss=1">',
  s: '<script>window.__xss=2</script>',
  u: 'javascript:alert(1)',
}

async function send(sourceId: string, events: object[]): Promise<void> {
  const response = await fetch(`${server.url}/http/${sourceId}`, {
    method: 'POST',
    body: events.map((event) => JSON.stringify(event)).join('\n'),
  })
  expect(response.status).toBe(200)
}

withConsole(async (started, launched) => {
  server = started
  browser = launched
  const create = (integrationLabel: string) =>
    server.api<{ integrationId: string }>('POST', '/log-sources/http', {
      integrationLabel,
      authMethod: 'None',
    })
  web = (await create('web')).integrationId
  other = (await create('other')).integrationId
  // 70 server errors and 50 successes: a page is 50 rows, so the errors take two.
  await send(
    web,
    Array.from({ length: 120 }, (_, i) => ({
      status: i % 12 < 7 ? 500 : 200,
      path: `/api/items/${i}`,
      user: { name: i % 2 === 0 ? 'ann' : 'bob' },
      n: i,
    })),
  )
  await send(other, [XSS])
})

const rows = (page: Page) => page.locator('table.search-results > tbody > tr.expandable')

test('search, count and histogram, expand, load more, reload, syntax help, ranges and filters', async () => {
  const { page, requests, problems, close } = await openConsole(browser, server, { path: '#/search' })
  try {
    await signIn(page)
    await page.getByRole('heading', { name: 'Search' }).waitFor()
    // With no query, every event of the last 24 hours.
    await page.locator('.search-count', { hasText: '121 matches' }).waitFor()

    await page.getByLabel('Query', { exact: true }).fill('status = 500')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.locator('.search-count', { hasText: '70 matches' }).waitFor()
    expect(page.url()).toContain('#/search?q=status+%3D+500')
    await page.locator('.chart canvas').first().waitFor()
    expect(await page.locator('.chart').getAttribute('aria-label')).toContain('Matching events: 70 in')
    await rows(page).nth(49).waitFor()
    expect(await rows(page).count()).toBe(50)
    // Newest first: the last event sent that matches is n = 114.
    expect(await rows(page).first().locator('.search-preview').textContent()).toContain('"n":114')
    expect(await rows(page).first().textContent()).toContain('web')
    await screenshot(page, 'search')

    // A row opens to its JSON, by its button, and closes again.
    const toggle = rows(page).first().getByRole('button')
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    await toggle.click()
    expect(await toggle.getAttribute('aria-expanded')).toBe('true')
    const detail = page.locator('tr.search-detail pre.json')
    await detail.waitFor()
    expect(await detail.textContent()).toContain('"path": "/api/items/114"')
    expect(await detail.textContent()).toContain(`"p_source_id": "${web}"`)
    await screenshot(page, 'search-expanded')
    // The keyboard works too.
    await toggle.focus()
    await page.keyboard.press('Enter')
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    expect(await page.locator('tr.search-detail').count()).toBe(0)

    // The next page.
    await page.getByRole('button', { name: 'Load more' }).click()
    await rows(page).nth(69).waitFor()
    expect(await rows(page).count()).toBe(70)
    await page.getByText('70 events shown; that is all.').waitFor()
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0)

    // The URL is the search: a reload gives it back.
    await page.getByLabel('Source').selectOption({ label: 'web' })
    await page.waitForURL(/source=/)
    await page.getByRole('button', { name: '7 d' }).click()
    await page.waitForURL(/range=7d/)
    await page.locator('.search-count', { hasText: 'last 7 days' }).waitFor()
    const url = page.url()
    expect(url).toContain('q=status+%3D+500')
    expect(url).toContain(`source=${web}`)
    await page.reload()
    await page.locator('.search-count', { hasText: '70 matches' }).waitFor()
    expect(await page.getByLabel('Query', { exact: true }).inputValue()).toBe('status = 500')
    expect(await page.getByLabel('Source').inputValue()).toBe(web)
    expect(await page.getByRole('button', { name: '7 d' }).getAttribute('aria-pressed')).toBe('true')
    expect(await page.locator('.search-count').textContent()).toContain('per hour')

    // Another source: none of its events match.
    await page.getByLabel('Source').selectOption({ label: 'other' })
    await page.getByText('No events match in the last 7 days.').waitFor()
    await page.getByLabel('Source').selectOption({ label: 'All sources' })
    await page.locator('.search-count', { hasText: '70 matches' }).waitFor()
    expect(page.url()).not.toContain('source=')

    // A custom window, in local time with its offset in the URL.
    await page.getByRole('button', { name: 'Custom' }).click()
    const local = (ms: number) => {
      const d = new Date(ms)
      const pad = (n: number) => String(n).padStart(2, '0')
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
    }
    await page.getByLabel('From').fill(local(Date.now() - 2 * 3_600_000))
    await page.getByLabel('To').fill(local(Date.now() + 3_600_000))
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.waitForURL(/from=.*&to=/)
    expect(decodeURIComponent(page.url())).toMatch(/from=\d{4}-\d\d-\d\dT\d\d:\d\d:00[+-]\d\d:\d\d/)
    await page.locator('.search-count', { hasText: 'per minute' }).waitFor()
    expect(await page.locator('.search-count').textContent()).toContain('70 matches')
    // A window that starts after it ends is refused before asking the server.
    await page.getByLabel('From').fill(local(Date.now() + 7_200_000))
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByRole('alert').getByText('The start of the range is after its end.').waitFor()
    await page.getByRole('button', { name: '24 h' }).click()
    await page.waitForURL((u) => !u.href.includes('from='))

    // The syntax help, one click away; an example goes into the box.
    const syntax = page.getByRole('button', { name: 'Syntax' })
    expect(await syntax.getAttribute('aria-expanded')).toBe('false')
    await syntax.click()
    expect(await syntax.getAttribute('aria-expanded')).toBe('true')
    const help = page.getByRole('region', { name: 'Query syntax' })
    await help.waitFor()
    for (const word of ['CONTAINS', 'EXISTS', 'AND', 'OR', 'NOT', 'RFC 3339']) {
      expect(await help.textContent()).toContain(word)
    }
    await screenshot(page, 'search-syntax')
    await help.getByRole('button', { name: 'user.name = ann' }).click()
    expect(await page.getByLabel('Query', { exact: true }).inputValue()).toBe('user.name = ann')
    await page.keyboard.press('Enter')
    await page.locator('.search-count', { hasText: '60 matches' }).waitFor()
    await syntax.click()
    expect(await help.count()).toBe(0)

    // A malformed query: the message by the box, the caret at the position.
    await page.getByLabel('Query', { exact: true }).fill('status = (500')
    await page.keyboard.press('Enter')
    const error = page.locator('#search-q-error')
    await error.waitFor()
    expect(await error.textContent()).toContain('At character 10:')
    expect(await error.textContent()).toContain("expected a value after '='")
    expect(await page.getByLabel('Query', { exact: true }).getAttribute('aria-invalid')).toBe('true')
    expect(await page.$eval('#search-q', (input) => (input as HTMLInputElement).selectionStart)).toBe(9)
    await screenshot(page, 'search-bad-query')
    await page.getByLabel('Query', { exact: true }).fill('status = 200')
    await page.keyboard.press('Enter')
    await page.locator('.search-count', { hasText: '50 matches' }).waitFor()
    expect(await error.count()).toBe(0)

    expect(onlyOwnOrigin(requests, server)).toEqual([])
    expect(problems.filter((p) => !p.includes('400'))).toEqual([])
  } finally {
    await close()
  }
})

test('an event written to attack the page is shown as text', async () => {
  const { page, requests, problems, close } = await openConsole(browser, server, {
    path: `#/search?q=onerror&source=${other}`,
  })
  try {
    await signIn(page)
    await page.locator('.search-count', { hasText: '1 match' }).waitFor()
    const results = page.locator('table.search-results')
    expect(await results.textContent()).toContain('<img src=x onerror=\\"window.__xss=1\\">')
    await rows(page).first().getByRole('button').click()
    const detail = page.locator('tr.search-detail pre.json')
    await detail.waitFor()
    const json = JSON.parse((await detail.textContent()) ?? '{}')
    expect(json.msg).toBe(XSS.msg)
    expect(json.s).toBe(XSS.s)
    expect(json.u).toBe(XSS.u)
    expect(await results.locator('img, script, a[href^="javascript"]').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    expect(onlyOwnOrigin(requests, server)).toEqual([])
    expect(problems).toEqual([])
  } finally {
    await close()
  }
})

test('dark, at laptop width', async () => {
  const { page, requests, problems, close } = await openConsole(browser, server, {
    path: '#/search?q=status%20%3E%3D%20500&range=1h',
    colorScheme: 'dark',
    width: 1100,
  })
  try {
    await signIn(page)
    await page.locator('.search-count', { hasText: '70 matches' }).waitFor()
    await page.locator('.chart canvas').first().waitFor()
    await rows(page).nth(1).getByRole('button').click()
    await page.locator('tr.search-detail').waitFor()
    await page.getByRole('button', { name: 'Syntax' }).click()
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(background).toBe('rgb(13, 17, 23)')
    // Nothing wider than the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1100)
    await screenshot(page, 'search-dark')
    expect(onlyOwnOrigin(requests, server)).toEqual([])
    expect(problems).toEqual([])
  } finally {
    await close()
  }
})
