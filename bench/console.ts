/**
 * The console's weight and speed: the bundle's size as sent (gzip), and how long Chromium takes on
 * loopback from navigating to `/` until the page is usable, against a baseline in the same run: a bare
 * Bun.serve page with one button, loaded the same way. Two console moments are timed: the sign-in form
 * ready for typing (a fresh tab) and, signed in, the sources table rendered from the API (20 sources).
 * Median and p90 over RUNS loads each. The goals: under 150 KB gzipped, usable in under 300 ms.
 *
 *   npx bun bench/console.ts        (needs Debian's chromium; RUNS=20 by default)
 */
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { CONSOLE_ASSETS } from '../src/console/assets.gen.ts'
import { API_KEY, CHROMIUM, startConsoleServer } from '../test/browser/harness.ts'

const RUNS = Number(process.env.RUNS ?? 20)

const gzipped = Object.entries(CONSOLE_ASSETS).map(([name, asset]) => ({
  name,
  raw: asset.body.length,
  gzip: gzipSync(asset.body, { level: 9 }).length,
}))
const totalGzip = gzipped.reduce((sum, asset) => sum + asset.gzip, 0)
console.log('bundle (as served, gzip -9):')
for (const asset of gzipped) {
  console.log(
    `  ${asset.name.padEnd(8)} ${(asset.raw / 1024).toFixed(1).padStart(7)} KiB  → ${(asset.gzip / 1024).toFixed(1).padStart(6)} KiB`,
  )
}
console.log(
  `  total gzip ${(totalGzip / 1024).toFixed(1)} KiB (goal < 150 KB: ${totalGzip < 150_000 ? 'yes' : 'no'})`,
)

const baseline = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch: () =>
    new Response('<!doctype html><title>baseline</title><button>Ready</button>', {
      headers: { 'content-type': 'text/html' },
    }),
})
const server = await startConsoleServer()
for (let i = 0; i < 20; i++) {
  await server.api('POST', '/log-sources/http', { integrationLabel: `source ${i}`, authMethod: 'None' })
}
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })

/** Milliseconds from goto to `ready` resolving, RUNS times in fresh contexts; `prepare` may seed the tab. */
async function time(
  url: string,
  ready: (page: import('playwright-core').Page) => Promise<unknown>,
  signedIn = false,
) {
  const times: number[] = []
  for (let run = 0; run <= RUNS; run++) {
    const context = await browser.newContext()
    if (signedIn)
      await context.addInitScript(`sessionStorage.setItem('inlet.apiKey', ${JSON.stringify(API_KEY)})`)
    const page = await context.newPage()
    const started = performance.now()
    await page.goto(url, { waitUntil: 'commit' })
    await ready(page)
    const ms = performance.now() - started
    if (run > 0) times.push(ms) // the first load warms Chromium's caches
    await context.close()
  }
  times.sort((a, b) => a - b)
  return { median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]! }
}

const rows = [
  [
    'baseline: bare Bun.serve page',
    await time(`http://127.0.0.1:${baseline.port}/`, (p) =>
      p.getByRole('button', { name: 'Ready' }).waitFor(),
    ),
  ],
  ['console: sign-in form ready', await time(`${server.url}/`, (p) => p.getByLabel('API key').waitFor())],
  [
    'console: sources table (20)',
    await time(`${server.url}/#/sources`, (p) => p.getByRole('link', { name: 'source 19' }).waitFor(), true),
  ],
] as const
await browser.close()
await server.stop()
baseline.stop(true)

const base = rows[0][1].median
console.log(`\nloopback, Chromium, ${RUNS} loads each (fresh context each)`)
console.log('page                               median ms   p90 ms   × baseline')
for (const [name, { median, p90 }] of rows) {
  console.log(
    `${name.padEnd(34)} ${median.toFixed(0).padStart(9)} ${p90.toFixed(0).padStart(8)}   ${(median / base).toFixed(2)}`,
  )
}
