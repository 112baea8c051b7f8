/**
 * The schemas pages in Chromium: a spec the server refuses shows its message at the line it names (a YAML
 * syntax error by the line the server gives, a field's problem by its path), with the caret moved there;
 * fixed, it saves and shows; an edit adds a field; the list shows which source uses a schema; deleting one
 * asks first, and one a source still names is refused with the server's message.
 */
import { expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { type ConsoleServer, onlyOwnOrigin, openConsole, screenshot, signIn, withConsole } from './harness.ts'

let server: ConsoleServer
let browser: Browser
withConsole((started, launched) => {
  server = started
  browser = launched
})

const BROKEN = `fields:
  - name: user
    type: string
    required: true
   - name: at
    type: timestamp
`
const WRONG_TYPE = `fields:
  - name: user
    type: string
    required: true
  - name: at
    type: timestamp
    timeFormats: [rfc3339]
  - name: status
    type: integer
`
const FIXED = `fields:
  - name: user
    type: string
    required: true
  - name: at
    type: timestamp
    timeFormats: [rfc3339]
    isEventTime: true
`

/** The 1-based line the caret or selection starts on. */
const caretLine = (page: Page) =>
  page.$eval('#schema-spec', (area) => {
    const textarea = area as HTMLTextAreaElement
    return textarea.value.slice(0, textarea.selectionStart).split('\n').length
  })

/** Waits (at most 5 s) for the caret to reach `line`: the page moves it just after it shows the error. */
async function caretReaches(page: Page, line: number): Promise<number> {
  const deadline = Date.now() + 5000
  let at = await caretLine(page)
  while (at !== line && Date.now() < deadline) {
    await Bun.sleep(20)
    at = await caretLine(page)
  }
  return at
}

test('create with errors at their lines, fix, view, edit, list with its source, delete', async () => {
  const source = await server.api<{ integrationId: string }>('POST', '/log-sources/http', {
    integrationLabel: 'login app',
    authMethod: 'None',
  })
  const { page, requests, problems, close } = await openConsole(browser, server, { path: '#/schemas' })
  try {
    await signIn(page)
    await page.getByRole('heading', { name: 'Log schemas' }).waitFor()
    await page.getByText('No schemas yet.').waitFor()
    await page.getByRole('link', { name: 'New schema' }).click()
    await page.getByRole('heading', { name: 'New log schema' }).waitFor()
    expect(page.url()).toEndWith('#/schemas/new')

    // A YAML syntax error: the server names line 5.
    await page.getByLabel('Name', { exact: true }).fill('Custom.Login')
    await page.getByLabel('Description').fill('Sign-ins of the app')
    await page.getByLabel('Spec (YAML)').fill(BROKEN)
    await page.getByRole('button', { name: 'Create schema' }).click()
    const alert = page.locator('#schema-spec-error')
    await alert.waitFor()
    expect(await alert.textContent()).toContain('Line 5:')
    expect(await alert.textContent()).toContain('invalid YAML')
    expect(await page.locator('.schema-gutter-bad').textContent()).toBe('5')
    expect(await page.locator('#schema-spec').getAttribute('aria-invalid')).toBe('true')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('schema-spec')
    expect(await caretReaches(page, 5)).toBe(5)
    await page.locator('.schema-line-mark').waitFor()
    await screenshot(page, 'schema-edit-error')

    // A field's problem: the server names a path, the page finds its line.
    await page.getByLabel('Spec (YAML)').fill(WRONG_TYPE)
    await page.getByRole('button', { name: 'Create schema' }).click()
    await page.locator('#schema-spec-error', { hasText: 'Line 9:' }).waitFor()
    expect(await page.locator('#schema-spec-error').textContent()).toContain('fields[2].type: must be one of')
    expect(await caretReaches(page, 9)).toBe(9)
    // "Go to line" puts the caret back after it has moved.
    await page.locator('#schema-spec').press('Control+Home')
    expect(await caretReaches(page, 1)).toBe(1)
    await page.getByRole('button', { name: 'Go to line 9' }).click()
    expect(await caretReaches(page, 9)).toBe(9)

    // A name the server refuses is shown by the name field.
    await page.getByLabel('Spec (YAML)').fill(FIXED)
    await page.getByLabel('Name', { exact: true }).fill('login')
    await page.getByRole('button', { name: 'Create schema' }).click()
    await page.locator('#schema-name-error').waitFor()
    expect(await page.locator('#schema-name-error').textContent()).toContain('Custom.')

    // Fixed: saved, and the page shows it.
    await page.getByLabel('Name', { exact: true }).fill('Custom.Login')
    await page.getByRole('button', { name: 'Create schema' }).click()
    await page.getByRole('heading', { name: 'Custom.Login' }).waitFor()
    expect(page.url()).toEndWith('#/schemas/Custom.Login')
    expect(await page.getByLabel('Spec (YAML)').textContent()).toBe(FIXED)
    expect(await page.locator('.schema-meta').textContent()).toContain('Sign-ins of the app')

    // Edit: add a field and a reference; revision 2.
    await page.getByRole('link', { name: 'Edit' }).click()
    await page.getByRole('heading', { name: 'Edit Custom.Login' }).waitFor()
    expect(await page.locator('#schema-spec').inputValue()).toBe(FIXED)
    // Retyping a field is refused at its line.
    await page.getByLabel('Spec (YAML)').fill(FIXED.replace('type: string', 'type: int'))
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.locator('#schema-spec-error', { hasText: 'Line 3:' }).waitFor()
    expect(await caretReaches(page, 3)).toBe(3)
    await page
      .getByLabel('Spec (YAML)')
      .fill(`${FIXED}  - name: ip\n    type: string\n    indicators: [ip]\n`)
    await page.getByLabel('Reference URL').fill('https://example.com/docs/login')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByRole('heading', { name: 'Custom.Login' }).waitFor()
    await page.locator('.schema-meta', { hasText: 'https://example.com/docs/login' }).waitFor()
    expect(await page.getByLabel('Spec (YAML)').textContent()).toContain('name: ip')
    const revision = await page.locator('.schema-meta dd').nth(2).textContent()
    expect(revision).toBe('2')
    await screenshot(page, 'schema-view')

    // A source that reads with it is listed by it.
    await server.api('PUT', `/log-sources/http/${source.integrationId}`, {
      integrationLabel: 'login app',
      authMethod: 'None',
      logTypes: ['Custom.Login'],
    })
    await server.api('POST', '/schemas', {
      name: 'Custom.Spare',
      spec: 'fields:\n  - {name: a, type: string}\n',
    })
    await page.getByRole('link', { name: '← Log schemas' }).click()
    const row = page.getByRole('row', { name: /Custom\.Login/ })
    await row.getByRole('link', { name: 'login app' }).waitFor()
    expect(await row.getByRole('link', { name: 'login app' }).getAttribute('href')).toBe(
      `#/sources/${source.integrationId}`,
    )
    expect(await row.textContent()).toContain('Sign-ins of the app')
    await page.getByRole('row', { name: /Custom\.Spare/ }).waitFor()
    await screenshot(page, 'schemas')

    // Delete asks first; a schema a source still names is refused with the server's message, naming it.
    await page.getByRole('link', { name: 'Custom.Login' }).click()
    await page.getByRole('button', { name: 'Delete' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete Custom.Login?' })
    await dialog.getByRole('button', { name: 'Delete schema' }).click()
    await dialog
      .getByRole('alert')
      .getByText(/source 'login app'/)
      .waitFor()
    await screenshot(page, 'schema-delete-refused')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    // An unused one goes.
    await page.goto(`${server.url}/#/schemas/Custom.Spare`)
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Delete schema' }).click()
    await page.getByRole('row', { name: /Custom\.Login/ }).waitFor()
    expect(await page.getByRole('row', { name: /Custom\.Spare/ }).count()).toBe(0)

    expect(onlyOwnOrigin(requests, server)).toEqual([])
    expect(problems.filter((p) => !/\b(400|404|405|409)\b/.test(p))).toEqual([])
  } finally {
    await close()
  }
})

test('a schema that does not exist says so', async () => {
  const { page, close } = await openConsole(browser, server, { path: '#/schemas/Custom.Nowhere' })
  try {
    await signIn(page)
    await page.getByRole('alert').getByText("no schema named 'Custom.Nowhere'").waitFor()
  } finally {
    await close()
  }
})
