/**
 * The sources list and the create-source form in Chromium: the empty state; a source of every auth method
 * and HMAC scheme created through the form, its curl example taken from the page and run with bash
 * against the server (so the example is checked by the server's own verification), the event found by
 * search; the server's validation errors shown beside their fields; the list with its counts, sorting
 * and dark colours; and no request to any host but Inlet's.
 */
import { expect, setDefaultTimeout, test } from 'bun:test'
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

setDefaultTimeout(30_000)

let server: ConsoleServer
let browser: Browser
withConsole((started, launched) => {
  server = started
  browser = launched
})

/** Failed requests the tests cause on purpose (a 409, a 400) are logged by Chromium; nothing else may be. */
const unexpected = (problems: string[]) => problems.filter((p) => !/status of (400|409)/.test(p))

async function signedIn(path: string, options: { colorScheme?: 'light' | 'dark'; width?: number } = {}) {
  const opened = await openConsole(browser, server, { path, ...options })
  await signIn(opened.page)
  await opened.page.getByRole('navigation', { name: 'Main' }).waitFor()
  return opened
}

async function finish({ requests, problems, close }: ConsolePage) {
  try {
    expect(onlyOwnOrigin(requests, server)).toEqual([])
    expect(unexpected(problems)).toEqual([])
  } finally {
    await close()
  }
}

/** Runs a script as a shell would, without the caller's proxy settings (the server is on loopback). */
async function runBash(script: string): Promise<{ stdout: string; stderr: string; code: number }> {
  // Async: the server runs in this process, so a blocking spawn would leave curl waiting for ever.
  const child = Bun.spawn(['bash', '-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { stdout, stderr, code }
}

interface Case {
  name: string
  method: 'SharedSecret' | 'HMAC' | 'Bearer' | 'Basic' | 'None'
  scheme?: 'raw' | 'github' | 'standard-webhooks' | 'stripe' | 'slack'
  /** A secret typed into the form; 'generate' clicks Generate; absent leaves it to the server. */
  secret?: string
  username?: string
  alg?: string
  streamType?: string
  envelope?: string
  logTypes?: string[]
}

const CASES: Case[] = [
  // Every character the shell treats specially, so the example's quoting is checked end to end.
  { name: 'SharedSecret', method: 'SharedSecret', secret: `it's "quoted" $HOME \`id\` !x \\ end` },
  { name: 'Bearer', method: 'Bearer', secret: 'generate', logTypes: ['Custom.Hello'] },
  { name: 'Basic', method: 'Basic', username: "o'brien", secret: "pa:ss'w0rd $1" },
  { name: 'None', method: 'None', streamType: 'Lines' },
  { name: 'hmac-raw', method: 'HMAC', scheme: 'raw', alg: 'sha512', secret: "raw 'signing' key" },
  { name: 'hmac-github', method: 'HMAC', scheme: 'github', streamType: 'JSON' },
  { name: 'hmac-standard-webhooks', method: 'HMAC', scheme: 'standard-webhooks', secret: 'generate' },
  { name: 'hmac-stripe', method: 'HMAC', scheme: 'stripe', streamType: 'CloudWatchLogs' },
  { name: 'hmac-slack', method: 'HMAC', scheme: 'slack', streamType: 'JsonArray', envelope: 'Records' },
]

const RADIO: Record<Case['method'], RegExp> = {
  SharedSecret: /^Shared secret/,
  HMAC: /^HMAC signature/,
  Bearer: /^Bearer token/,
  Basic: /^Basic auth/,
  None: /^None/,
}

test('with no source, the list says how to start; New source opens the form', async () => {
  await server.api('POST', '/schemas', {
    name: 'Custom.Hello',
    description: 'A greeting',
    spec: 'fields:\n  - {name: message, type: string, required: true}\n',
  })
  const opened = await signedIn('')
  const { page } = opened
  await page.getByRole('heading', { name: 'No sources yet' }).waitFor()
  const empty = (await page.locator('.sources-empty').textContent()) ?? ''
  expect(empty).toContain('Create a source')
  expect(empty).toContain('ingest URL')
  expect(empty).toContain('inlet source create')
  await screenshot(page, 'sources-empty')
  await page.getByRole('link', { name: 'New source' }).click()
  await page.getByRole('heading', { name: 'New source' }).waitFor()
  expect(page.url()).toEndWith('#/sources/new')
  // Every input has a label; the alarm is on at 1440 minutes; the schema is offered.
  await page.getByLabel('Source name').waitFor()
  expect(await page.getByLabel('Minutes without events').inputValue()).toBe('1440')
  expect(await page.getByRole('checkbox', { name: /Raise an alarm/ }).isChecked()).toBe(true)
  await page.getByRole('checkbox', { name: /Custom\.Hello/ }).waitFor()
  const unlabelled = await page.evaluate(
    () =>
      [...document.querySelectorAll('main input, main select')].filter(
        (input) => !(input as HTMLInputElement).labels?.length && !input.getAttribute('aria-label'),
      ).length,
  )
  expect(unlabelled).toBe(0)
  await screenshot(page, 'source-new')
  // JsonArray shows its envelope field; HMAC its scheme, algorithm and header.
  await page.getByLabel('How a request body is split into events').selectOption('JsonArray')
  await page.getByLabel(/Envelope field/).waitFor()
  await page.getByRole('radio', { name: RADIO.HMAC }).check()
  await page.getByLabel('Signature scheme').selectOption('github')
  expect(await page.getByLabel(/Signature header/).getAttribute('placeholder')).toBe('X-Hub-Signature-256')
  await page.getByLabel('Algorithm').selectOption('sha1')
  expect(await page.getByLabel(/Signature header/).getAttribute('placeholder')).toBe('X-Hub-Signature')
  await screenshot(page, 'source-new-hmac')
  await finish(opened)
})

for (const c of CASES) {
  test(`${c.name}: created in the form, its curl example sends an event as shown`, async () => {
    const opened = await signedIn('#/sources/new')
    const { page } = opened
    const label = `Console ${c.name}`
    await page.getByLabel('Source name').fill(label)
    for (const logType of c.logTypes ?? []) await page.getByRole('checkbox', { name: logType }).check()
    if (c.streamType)
      await page.getByLabel('How a request body is split into events').selectOption(c.streamType)
    if (c.envelope) await page.getByLabel(/Envelope field/).fill(c.envelope)
    await page.getByRole('radio', { name: RADIO[c.method] }).check()
    if (c.scheme) await page.getByLabel('Signature scheme').selectOption(c.scheme)
    if (c.alg) await page.getByLabel('Algorithm').selectOption(c.alg)
    if (c.username) await page.getByLabel('User name', { exact: true }).fill(c.username)
    let typed: string | undefined
    if (c.secret === 'generate') {
      await page.getByRole('button', { name: 'Generate' }).click()
      typed = await page.locator('#new-secret').inputValue()
      expect(typed).toMatch(c.scheme === 'standard-webhooks' ? /^whsec_[A-Za-z0-9+/]{43}=$/ : /^[\w-]{43}$/)
    } else if (c.secret) {
      await page.locator('#new-secret').fill(c.secret)
      typed = c.secret
    }
    await page.getByRole('button', { name: 'Create source' }).click()
    await page.getByRole('heading', { name: `Source created: ${label}` }).waitFor()
    await page.waitForFunction(() => document.activeElement?.id === 'created-title')

    const source = (
      await server.api<{ results: { integrationId: string; integrationLabel: string }[] }>(
        'GET',
        '/log-sources/http',
      )
    ).results.find((s) => s.integrationLabel === label)
    expect(source).toBeDefined()
    const id = source!.integrationId
    const text = (await page.locator('.source-created').textContent()) ?? ''
    expect(text).toContain(`/http/${id}`)
    if (c.method === 'None') {
      expect(text).toContain('without auth')
    } else {
      expect(text).toContain('will not be shown again')
      if (typed) expect(text).toContain(typed)
    }
    await screenshot(page, `source-created-${c.name}`)

    const script = (await page.locator('#curl-example').textContent()) ?? ''
    expect(script).toContain('curl ')
    const run = await runBash(script)
    expect({ stdout: run.stdout.trim(), stderr: run.stderr, code: run.code }).toEqual({
      stdout: '{"accepted":1}',
      stderr: '',
      code: 0,
    })
    const events = await server.api<{ results: Record<string, unknown>[] }>('GET', `/events?sourceId=${id}`)
    expect(events.results.length).toBe(1)
    expect(events.results[0]!.message).toBe('hello from curl')
    if (c.logTypes) expect(events.results[0]!.p_log_type).toBe(c.logTypes[0])

    await page.getByRole('link', { name: 'Done' }).click()
    await page.waitForURL((url) => url.hash === `#/sources/${id}`)
    // The event, in the browser: under the source's recent events, and in search.
    await page.getByRole('link', { name: 'Recent events' }).click()
    await page.getByText('hello from curl').first().waitFor()
    await page.goto(`${server.url}/#/search?source=${id}`)
    await page.getByText('hello from curl').first().waitFor()
    await finish(opened)
  })
}

async function errorBeside(page: Page, field: string): Promise<string> {
  const input = page.locator(`#new-${field}`)
  expect(await input.getAttribute('aria-invalid')).toBe('true')
  expect(await input.getAttribute('aria-describedby')).toContain(`new-${field}-error`)
  return (await page.locator(`#new-${field}-error`).textContent()) ?? ''
}

test("the server's validation errors are shown at the top and beside the field they name", async () => {
  const opened = await signedIn('#/sources/new')
  const { page } = opened
  await page.getByLabel('Source name').fill('Console Bearer')
  await page.getByRole('radio', { name: RADIO.Bearer }).check()
  await page.getByRole('button', { name: 'Create source' }).click()
  const alert = page.getByRole('alert')
  await alert.getByText('already used').waitFor()
  expect(await errorBeside(page, 'label')).toContain('already used by another source')
  await page.waitForFunction(() => document.activeElement?.id === 'new-label')

  await page.getByLabel('Source name').fill('Console validation')
  // Editing the field clears its error.
  expect(await page.locator('#new-label-error').count()).toBe(0)
  await page.getByLabel('Minutes without events').fill('10')
  await page.getByRole('button', { name: 'Create source' }).click()
  await alert.getByText('minutesThreshold').waitFor()
  expect(await errorBeside(page, 'minutes')).toContain('noDataAlarm.minutesThreshold')
  expect(await page.locator('#new-label').getAttribute('aria-invalid')).toBeNull()
  await page.waitForFunction(() => document.activeElement?.id === 'new-minutes')
  await screenshot(page, 'source-new-errors')

  // A header name the server refuses is shown by the header field.
  await page.getByLabel('Minutes without events').fill('60')
  await page.getByRole('radio', { name: RADIO.SharedSecret }).check()
  await page.getByLabel('Header name').fill('Bad Header')
  await page.getByRole('button', { name: 'Create source' }).click()
  await alert.getByText('authHeaderKey').waitFor()
  expect(await errorBeside(page, 'header')).toContain('authHeaderKey')

  // Keyboard only: the alarm turned off with Space, the form submitted with Enter.
  await page.getByLabel('Header name').fill('X-Token')
  await page.getByRole('checkbox', { name: /Raise an alarm/ }).focus()
  await page.keyboard.press('Space')
  expect(await page.getByLabel('Minutes without events').isDisabled()).toBe(true)
  await page.getByLabel('Source name').focus()
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: 'Source created: Console validation' }).waitFor()
  const created = (
    await server.api<{ results: { integrationLabel: string; noDataAlarm: unknown }[] }>(
      'GET',
      '/log-sources/http',
    )
  ).results.find((s) => s.integrationLabel === 'Console validation')
  expect(created?.noDataAlarm).toBeNull()
  await finish(opened)
})

/** The list's rows as text, in order: [name, auth, log types, status, last event, events]. */
async function rows(page: Page): Promise<string[][]> {
  return page
    .locator('.sources-table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').trim())))
}

test('the list shows every source with its status, last event and 24-hour count, sortable by column', async () => {
  const opened = await signedIn('#/sources')
  const { page } = opened
  await page.locator('.sources-table').waitFor()
  await page.waitForFunction(
    () => !document.querySelector('.sources-table tbody')?.textContent?.includes('…'),
  )
  const list = await rows(page)
  expect(list.length).toBe(CASES.length + 1)
  expect(list.map((row) => row[0])).toEqual(
    [...list.map((row) => row[0]!)].sort((a, b) => a.localeCompare(b)),
  )
  const byName = new Map(list.map((row) => [row[0]!, row]))
  for (const c of CASES) {
    const row = byName.get(`Console ${c.name}`)!
    expect(row[3]).toBe('healthy')
    expect(row[4]).toMatch(/s ago|min ago/)
    expect(row[5]).toBe('1')
  }
  expect(byName.get('Console hmac-stripe')![1]).toBe('HMAC (stripe)')
  expect(byName.get('Console Bearer')![2]).toBe('Custom.Hello')
  expect(byName.get('Console validation')!.slice(3)).toEqual(['never received', 'never', '0'])

  const nameHeader = page.getByRole('columnheader', { name: 'Name' })
  expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending')
  // Sorting by count puts the source with none last; again reverses it. Keyboard: Enter on the header button.
  await page.getByRole('button', { name: /^Events \(24 h\)/ }).focus()
  await page.keyboard.press('Enter')
  expect(await page.getByRole('columnheader', { name: /Events/ }).getAttribute('aria-sort')).toBe(
    'descending',
  )
  expect(await nameHeader.getAttribute('aria-sort')).toBeNull()
  expect((await rows(page)).at(-1)![0]).toBe('Console validation')
  await page.keyboard.press('Enter')
  expect((await rows(page))[0]![0]).toBe('Console validation')
  await page.getByRole('button', { name: /^Name/ }).click()
  await page.getByRole('button', { name: /^Name/ }).click()
  expect(await nameHeader.getAttribute('aria-sort')).toBe('descending')
  expect((await rows(page))[0]![0]).toBe('Console validation')
  await page.getByRole('button', { name: /^Name/ }).click()
  await screenshot(page, 'sources-list')

  // The name links to the source's page.
  await page.getByRole('link', { name: 'Console Bearer' }).click()
  await page.waitForURL((url) => /^#\/sources\/[0-9a-f-]{36}$/.test(url.hash))
  await finish(opened)

  const dark = await signedIn('#/sources', { colorScheme: 'dark' })
  await dark.page.locator('.sources-table').waitFor()
  await dark.page.waitForFunction(
    () => !document.querySelector('.sources-table tbody')?.textContent?.includes('…'),
  )
  await screenshot(dark.page, 'sources-list-dark')
  await finish(dark)

  const narrow = await signedIn('#/sources/new', { width: 1024, colorScheme: 'dark' })
  await narrow.page.getByLabel('Source name').waitFor()
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
  expect(overflow).toBe(false)
  await screenshot(narrow.page, 'source-new-dark-1024')
  await finish(narrow)
})
