/**
 * Search speed. Stores 2,000,000 events (about 200 bytes as sent, stamped as the ingest route stamps
 * them) over 24 hours of event time in a fresh event log, then times, in this process on one core:
 *
 *   (a) a full-text query over everything (a word in 0.002% of the events, so the whole range is read)
 *   (b) a field equality query over everything (a value in one event in 50,000), and a count of a
 *       common value over everything
 *   (c) a query on a 1-hour window: segments read against all, and the answer's time
 *
 * Baseline: reading every record of the same log and doing nothing with it, in the same process.
 * Goals: (a) and (b) scan ≥ 300 MB/s of stored events; (c) reads ≤ 1/10 of the segments in ≤ 100 ms.
 *
 *   npx bun bench/search.ts        (EVENTS=2000000 by default; SEGMENT_MB=64, the default segment size)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { EVENTLOG_DEFAULTS, openEventLog } from '../src/eventlog/index.ts'
import { Stamper } from '../src/ingest/stamp.ts'
import { silentLogger } from '../src/logger.ts'
import { planSearch } from '../src/search/plan.ts'
import { parseQuery } from '../src/search/query.ts'
import { countMatches, type ScanStats, searchPage } from '../src/search/scan.ts'

const EVENTS = Number(process.env.EVENTS ?? 2_000_000)
const SEGMENT_BYTES = Number(process.env.SEGMENT_MB ?? 64) * 1024 * 1024
const T0 = Date.parse('2026-11-01T00:00:00Z')
const SPAN_MS = 24 * 3_600_000
const SOURCE = '11111111-1111-4111-8111-111111111111'
// The data directory must be on a real disk, like the appliance's.
const dir = mkdtempSync(join(process.cwd(), '.bench-search-'))
const f = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

const event = (i: number) =>
  JSON.stringify({
    level: i % 7 === 0 ? 'warn' : 'info',
    user: `user${i % 97}@example.com`,
    ip: `10.${i % 256}.${(i >> 8) % 256}.${(i * 7) % 256}`,
    request_id: `req-${i}`,
    path: `/api/v2/orders/${i % 10_000}/items`,
    agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    status: 200 + (i % 5),
    msg: i % 50_000 === 7 ? `rare needle-${i} seen` : `request ${i} handled`,
  })

async function fill() {
  const log = await openEventLog(
    { ...EVENTLOG_DEFAULTS, dir, segmentBytesMax: SEGMENT_BYTES, fsync: 'interval' },
    { logger: silentLogger },
  )
  const encoder = new TextEncoder()
  let sent = 0
  const started = performance.now()
  for (let first = 0; first < EVENTS; first += 1000) {
    const stamper = new Stamper({
      sourceId: SOURCE,
      sourceLabel: 'bench',
      parseTimeMs: T0 + SPAN_MS,
      bodyBytes: 256_000,
    })
    const batch = []
    for (let i = first; i < Math.min(first + 1000, EVENTS); i++) {
      const text = event(i)
      sent += text.length
      const timeMs = T0 + Math.floor((i / EVENTS) * SPAN_MS)
      batch.push(stamper.stamp({ value: {}, json: encoder.encode(text), reservedKeys: false, timeMs }))
    }
    await log.append(batch)
  }
  const { bytes, segments } = log.stats()
  console.log(
    `stored ${f(EVENTS)} events (${f(sent / EVENTS)} bytes as sent, ${f(bytes / EVENTS)} stored) in ` +
      `${f(segments)} segments of ${f(SEGMENT_BYTES / 2 ** 20)} MiB, ${f((performance.now() - started) / 1000, 1)} s\n`,
  )
  return log
}

const log = await fill()
const everything = { fromMs: T0, toMs: T0 + SPAN_MS }
const budget = { scanTimeMsMax: 600_000 }
const rows: string[] = []
const row = (name: string, found: number, stats: ScanStats, goal: string) =>
  rows.push(
    `| ${name} | ${f(found)} | ${f(stats.segmentsRead)} of ${f(stats.segmentsRead + stats.segmentsSkipped)} | ` +
      `${f(stats.recordsScanned)} | ${f(stats.bytesScanned / 2 ** 20)} | ${f(stats.elapsedMs)} | ` +
      `**${f(stats.bytesScanned / 2 ** 20 / (stats.elapsedMs / 1000))}** | ${goal} |`,
  )

async function page(name: string, q: string, range = everything, goal = '≥ 300 MB/s') {
  const plan = planSearch({ ...range, query: parseQuery(q) })
  const result = await searchPage(log, plan, { limit: 100, responseBytesMax: 16 << 20, ...budget })
  row(name, result.events.length, result.stats, goal)
  return result
}

// Baseline: every record read, nothing done with it.
{
  const started = performance.now()
  let bytes = 0
  let records = 0
  for await (const batch of log.read({ order: 'desc' }).batches()) {
    records += batch.seqs.length
    for (let i = 0; i < batch.seqs.length; i++) bytes += batch.ends[i]! - batch.starts[i]!
  }
  const ms = performance.now() - started
  console.log(
    `baseline, reading every record: ${f(records)} records, ${f(bytes / 2 ** 20 / (ms / 1000))} MB/s\n`,
  )
}

await page('(a) full text: needle-', 'needle-')
await page('(a) full text, two words: rare seen', 'rare seen')
await page('(b) field equality: request_id = req-1234567', 'request_id = "req-1234567"')
{
  const plan = planSearch({ ...everything, query: parseQuery('level = warn') })
  const histogram = await countMatches(log, plan, 3_600_000, budget)
  row('(b) count of level = warn, 1h buckets', histogram.count, histogram.stats, '≥ 300 MB/s')
}
const hour = { fromMs: T0 + 12 * 3_600_000, toMs: T0 + 13 * 3_600_000 - 1 }
const windowed = await page(
  '(c) 1-hour window, user = user42@example.com',
  'user = "user42@example.com"',
  hour,
  '≤ 1/10 segments, ≤ 100 ms',
)
const windowCount = await countMatches(log, planSearch({ ...hour, query: parseQuery('') }), 60_000, budget)
row(
  '(c) count of the 1-hour window, 1m buckets',
  windowCount.count,
  windowCount.stats,
  '≤ 1/10 segments, ≤ 100 ms',
)

console.log('| query | found | segments read | records scanned | MB scanned | ms | MB/s | goal |')
console.log('|---|---|---|---|---|---|---|---|')
for (const line of rows) console.log(line)
console.log(
  `\n(c) read ${f(windowed.stats.segmentsRead)} of ${f(log.stats().segments)} segments ` +
    `(${f((windowed.stats.segmentsRead / log.stats().segments) * 100, 1)}%) in ${f(windowed.stats.elapsedMs, 1)} ms`,
)
await log.close()
rmSync(dir, { recursive: true, force: true })
