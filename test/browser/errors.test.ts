/**
 * The system errors page in Chromium: events that no log type of their source reads raise a
 * SOURCE_CLASSIFICATION_FAILURES error within a second, listed as open and linked to its source; deleting a
 * source resolves its errors, which then show under Resolved with the source's id and no link.
 */
import { expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { type ConsoleServer, onlyOwnOrigin, openConsole, screenshot, signIn, withConsole } from './harness.ts'

let server: ConsoleServer
let browser: Browser
let billing: string
let gone: string

interface SystemErrorBody {
  type: string
  sourceId: string | null
  state: string
}

/** Polls GET /system-errors until `check` holds (the reporter writes at most once a second). */
async function waitForErrors(check: (errors: SystemErrorBody[]) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const { results } = await server.api<{ results: SystemErrorBody[] }>('GET', '/system-errors')
    if (check(results)) return
    if (Date.now() > deadline) throw new Error(`system errors never came: ${JSON.stringify(results)}`)
    await Bun.sleep(100)
  }
}

const failing = (state: string, sourceId: string) => (errors: SystemErrorBody[]) =>
  errors.some(
    (e) => e.type === 'SOURCE_CLASSIFICATION_FAILURES' && e.sourceId === sourceId && e.state === state,
  )

withConsole(async (started, launched) => {
  server = started
  browser = launched
  await server.api('POST', '/schemas', {
    name: 'Custom.Strict',
    spec: 'fields:\n  - {name: user, type: string, required: true}\n',
  })
  const create = async (integrationLabel: string) => {
    const source = await server.api<{ integrationId: string }>('POST', '/log-sources/http', {
      integrationLabel,
      authMethod: 'None',
      logTypes: ['Custom.Strict'],
    })
    // No `user`: the only log type of the source cannot read these.
    const response = await fetch(`${server.url}/http/${source.integrationId}`, {
      method: 'POST',
      body: '{"msg":"<b>no user</b>"}\n{"msg":"neither"}',
    })
    expect(response.status).toBe(200)
    return source.integrationId
  }
  billing = await create('billing <prod>')
  gone = await create('short-lived')
  await waitForErrors((errors) => failing('open', billing)(errors) && failing('open', gone)(errors))
  await server.api('DELETE', `/log-sources/http/${gone}`)
  await waitForErrors(failing('resolved', gone))
})

test('open errors link their source; resolved ones of a deleted source show its id; tabs are in the URL', async () => {
  const { page, requests, problems, close } = await openConsole(browser, server, { path: '#/errors' })
  try {
    await signIn(page)
    await page.getByRole('heading', { name: 'System errors' }).waitFor()
    const tabs = page.getByRole('navigation', { name: 'Which errors' })
    await tabs.locator('a[aria-current="page"]', { hasText: 'Open' }).waitFor()

    const open = page.getByRole('row', { name: /Classification failures/ })
    await open.waitFor()
    expect(await open.count()).toBe(1)
    const text = (await open.textContent()) ?? ''
    expect(text).toContain('SOURCE_CLASSIFICATION_FAILURES')
    expect(text).toContain("2 events from source 'billing <prod>' matched none of its log types")
    const link = open.getByRole('link', { name: 'billing <prod>' })
    expect(await link.getAttribute('href')).toBe(`#/sources/${billing}`)
    expect(await open.locator('td.errors-num').textContent()).toBe('2')
    expect(await open.locator('b').count()).toBe(0)
    await screenshot(page, 'errors')

    await tabs.getByRole('link', { name: 'Resolved' }).click()
    await page.waitForURL(/#\/errors\?state=resolved$/)
    await tabs.locator('a[aria-current="page"]', { hasText: 'Resolved' }).waitFor()
    const resolved = page.getByRole('row', { name: /Classification failures/ })
    await resolved.getByText(gone).waitFor()
    expect(await resolved.count()).toBe(1)
    expect(await resolved.getByRole('link').count()).toBe(0)
    expect(await resolved.textContent()).toContain('(deleted)')
    expect(await resolved.locator('td').last().textContent()).not.toContain('open')
    await screenshot(page, 'errors-resolved')

    // The state is in the URL: a reload keeps it; All shows both.
    await page.reload()
    await page
      .getByRole('row', { name: /Classification failures/ })
      .getByText(gone)
      .waitFor()
    await tabs.getByRole('link', { name: 'All' }).click()
    await page.waitForURL(/state=all/)
    await page.getByRole('row', { name: /billing <prod>/ }).waitFor()
    expect(await page.getByRole('row', { name: /Classification failures/ }).count()).toBe(2)

    // Errors of one source.
    await page.goto(`${server.url}/#/errors?state=all&source=${billing}`)
    await page.getByText('Of source').waitFor()
    await page.getByRole('row', { name: /billing <prod>/ }).waitFor()
    expect(await page.getByRole('row', { name: /Classification failures/ }).count()).toBe(1)

    expect(onlyOwnOrigin(requests, server)).toEqual([])
    expect(problems).toEqual([])
  } finally {
    await close()
  }
})

test('dark, no open errors of a quiet source', async () => {
  const quiet = await server.api<{ integrationId: string }>('POST', '/log-sources/http', {
    integrationLabel: 'quiet',
    authMethod: 'None',
  })
  const { page, requests, problems, close } = await openConsole(browser, server, {
    path: `#/errors?source=${quiet.integrationId}`,
    colorScheme: 'dark',
  })
  try {
    await signIn(page)
    await page.getByText('No open system errors: all is well.').waitFor()
    await page.goto(`${server.url}/#/errors`)
    await page.getByRole('row', { name: /billing <prod>/ }).waitFor()
    await screenshot(page, 'errors-dark')
    expect(onlyOwnOrigin(requests, server)).toEqual([])
    expect(problems).toEqual([])
  } finally {
    await close()
  }
})
