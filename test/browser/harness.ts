/**
 * The console's browser tests run the real server in this process (`runServe`, so its clock can be moved
 * forward for the no-data alarm) on loopback, and Debian's Chromium driven by playwright-core. Every page
 * a test opens records the requests it makes, so a test can check that nothing left for another host; each
 * test saves screenshots under `.tmp/screenshots/` for a person to look at (CI keeps them as artifacts).
 */
import { afterAll, beforeAll } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { runServe } from '../../src/cli/serve.ts'
import { tempDir } from '../helpers.ts'

export const API_KEY = 'browser-test-api-key-0001'
export const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOTS = join('.tmp', 'screenshots')
const MINUTE_MS = 60_000

export interface ConsoleServer {
  url: string
  /** Moves the server's clock forward (the alarm job judges by it). */
  advanceMinutes(minutes: number): void
  /** The management API with the admin key, for setting up what a test needs. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>
  stop(): Promise<void>
}

export async function startConsoleServer(): Promise<ConsoleServer> {
  const dir = tempDir('inlet-browser-')
  const configFile = join(dir.path, 'inlet.toml')
  writeFileSync(configFile, '')
  let offsetMs = 0
  const lines: string[] = []
  const serving = await runServe({
    configFile,
    flags: { listen: '127.0.0.1:0', data_dir: join(dir.path, 'data') },
    env: {
      INLET_API_KEY: API_KEY,
      INLET_HEALTH_ALARM_CHECK_INTERVAL_MS: '200',
      INLET_LOG_LEVEL: 'error',
      // The server shares this process with the test runner, whose memory is not the server's to watch.
      INLET_INGEST_MEMORY_MAX: String(8 * 1024 ** 3),
    },
    out: (line) => lines.push(line),
    clock: () => Date.now() + offsetMs,
  })
  const url = lines.map((line) => /listening on (\S+)/.exec(line)?.[1]).find(Boolean)
  if (!url) throw new Error(`no listening line in ${JSON.stringify(lines)}`)
  return {
    url,
    advanceMinutes(minutes) {
      offsetMs += minutes * MINUTE_MS
    },
    async api(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
      return (text === '' ? undefined : JSON.parse(text)) as never
    },
    async stop() {
      await serving.stop()
      dir[Symbol.dispose]()
    },
  }
}

/**
 * A test file's server and Chromium: started before its tests, `ready` then sets up what they share, and
 * both are stopped after the last one.
 */
export function withConsole(ready: (server: ConsoleServer, browser: Browser) => void | Promise<void>): void {
  let server: ConsoleServer | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    server = await startConsoleServer()
    browser = await launchBrowser()
    await ready(server, browser)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
}

export interface ConsolePage {
  page: Page
  /** Every URL the page requested, in order. */
  requests: string[]
  /** Console messages and page errors, for a failing test to show. */
  problems: string[]
  close(): Promise<void>
}

/** A fresh context (empty session storage) at the console, viewport 1280 × 800, light or dark. */
export async function openConsole(
  browser: Browser,
  server: ConsoleServer,
  options: { path?: string; colorScheme?: 'light' | 'dark'; width?: number } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    permissions: ['clipboard-read', 'clipboard-write'],
  })
  const page = await context.newPage()
  const requests: string[] = []
  const problems: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(String(error)))
  await page.goto(`${server.url}/${options.path ?? ''}`)
  return { page, requests, problems, close: () => context.close() }
}

export async function signIn(page: Page, key = API_KEY): Promise<void> {
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** Saves `.tmp/screenshots/<name>.png`, the whole page. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** True when every request went to the console's own origin. */
export function onlyOwnOrigin(requests: readonly string[], server: ConsoleServer): string[] {
  const origin = new URL(server.url).origin
  return requests.filter((url) => new URL(url).origin !== origin && !url.startsWith('data:'))
}
