/**
 * The console's frame in Chromium: served at / with its Content-Security-Policy, signing in with a
 * wrong key and the right one, signing out, and no request to any host but Inlet's.
 */
import { expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { type ConsoleServer, onlyOwnOrigin, openConsole, screenshot, signIn, withConsole } from './harness.ts'

let server: ConsoleServer
let browser: Browser
withConsole((started, launched) => {
  server = started
  browser = launched
})

test('GET / serves the console with a CSP that allows no inline script or eval', async () => {
  const response = await fetch(`${server.url}/`)
  expect(response.status).toBe(200)
  const csp = response.headers.get('content-security-policy') ?? ''
  expect(csp).toContain("script-src 'self'")
  expect(csp).not.toContain('unsafe-inline')
  expect(csp).not.toContain('unsafe-eval')
  expect(await response.text()).toContain('<script type="module" src="/console/app.js">')
  const script = await fetch(`${server.url}/console/app.js`, { headers: { 'accept-encoding': 'gzip' } })
  expect(script.headers.get('content-type')).toStartWith('text/javascript')
  expect((await fetch(`${server.url}/console/nothing.js`)).status).toBe(404)
})

test('a wrong key is refused with a message; the right one signs in; sign out returns to the form', async () => {
  const { page, requests, problems, close } = await openConsole(browser, server)
  try {
    await screenshot(page, 'sign-in')
    await signIn(page, 'not-the-key-at-all')
    await page.getByRole('alert').getByText('That API key is not valid.').waitFor()
    await screenshot(page, 'sign-in-wrong-key')
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem('inlet.apiKey'))).toBe(
      'browser-test-api-key-0001',
    )
    expect(await page.evaluate(() => localStorage.length)).toBe(0)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('API key').waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem('inlet.apiKey'))).toBeNull()
    expect(onlyOwnOrigin(requests, server)).toEqual([])
    expect(problems.filter((p) => !p.includes('401'))).toEqual([])
  } finally {
    await close()
  }
})
