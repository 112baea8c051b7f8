/**
 * Scanning the event log for a search: the plan's byte-level tests against the stored form the stamp
 * writes, pruning by time (counted in segments read), exact source and log type filters, page limits,
 * cursors under concurrent appends, the time budget, and counting.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { EVENTLOG_DEFAULTS, type EventLog, openEventLog } from '../../src/eventlog/index.ts'
import { Stamper } from '../../src/ingest/stamp.ts'
import { silentLogger } from '../../src/logger.ts'
import { planSearch, type SearchFilters } from '../../src/search/plan.ts'
import { parseQuery } from '../../src/search/query.ts'
import { countMatches, searchPage } from '../../src/search/scan.ts'
import { tempDir } from '../helpers.ts'

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
const T0 = Date.parse('2026-11-01T00:00:00Z')
const HOUR = 3_600_000

let dir: ReturnType<typeof tempDir>
let log: EventLog
beforeEach(async () => {
  dir = tempDir()
  log = await openEventLog(
    { ...EVENTLOG_DEFAULTS, dir: dir.path, segmentBytesMax: 64 * 1024 },
    { logger: silentLogger },
  )
})
afterEach(async () => {
  await log.close()
  dir[Symbol.dispose]()
})

const encoder = new TextEncoder()

/** Stores events as the ingest route does: through the stamp, with the given event times. */
async function store(sourceId: string, events: { value: Record<string, unknown>; timeMs: number }[]) {
  const stamper = new Stamper({
    sourceId,
    sourceLabel: sourceId.slice(0, 1),
    parseTimeMs: T0 + 48 * HOUR,
    bodyBytes: 1024,
  })
  await log.append(
    events.map(({ value, timeMs }) => {
      const reservedKeys = Object.keys(value).some((key) => key.startsWith('p_'))
      return stamper.stamp({ value, json: encoder.encode(JSON.stringify(value)), reservedKeys, timeMs })
    }),
  )
}

const filters = (q: string, extra: Partial<SearchFilters> = {}): SearchFilters => ({
  fromMs: T0,
  toMs: T0 + 24 * HOUR,
  query: parseQuery(q),
  ...extra,
})

const page = (
  q: string,
  extra: Partial<SearchFilters> = {},
  options: { limit?: number; beforeSeq?: number } = {},
) =>
  searchPage(log, planSearch(filters(q, extra)), {
    limit: options.limit ?? 1000,
    beforeSeq: options.beforeSeq,
    responseBytesMax: 1 << 20,
    scanTimeMsMax: 60_000,
  })

const decode = (events: Uint8Array[]) => events.map((event) => JSON.parse(new TextDecoder().decode(event)))

describe('filters', () => {
  beforeEach(async () => {
    await store(A, [
      { value: { n: 1, msg: 'Connection RESET by peer', user: { login: 'ann' } }, timeMs: T0 + HOUR },
      {
        value: {
          n: 2,
          msg: 'ok',
          user: { login: 'bob' },
          note: '"p_source_id":"bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"',
        },
        timeMs: T0 + 2 * HOUR,
      },
      { value: { n: 3, msg: 'late', detail: { p_log_type: 'Custom.Fake' } }, timeMs: T0 + 30 * HOUR },
    ])
    await store(B, [{ value: { n: 4, msg: 'connection reset', level: 'error' }, timeMs: T0 + 3 * HOUR }])
  })

  test('newest first; the time window is exact on p_event_time', async () => {
    expect(decode((await page('')).events).map((event) => event.n)).toEqual([4, 2, 1])
    const window = await page('', { fromMs: T0 + 2 * HOUR, toMs: T0 + 2 * HOUR })
    expect(decode(window.events).map((event) => event.n)).toEqual([2])
  })

  test('words match case-insensitively anywhere; fields are compared on the parsed event', async () => {
    expect(decode((await page('connection reset')).events).map((event) => event.n)).toEqual([4, 1])
    expect(decode((await page('user.login = ann')).events).map((event) => event.n)).toEqual([1])
    expect(decode((await page('level = error OR n = 2')).events).map((event) => event.n)).toEqual([4, 2])
    expect(decode((await page('NOT connection')).events).map((event) => event.n)).toEqual([2])
    expect(decode((await page('""')).events).map((event) => event.n)).toEqual([4, 2, 1])
    // Plain words are decided by the needles alone; a field test parses only the records holding its literal.
    expect((await page('connection reset')).stats.eventsParsed).toBe(0)
    expect((await page('user.login = ann')).stats.eventsParsed).toBe(1)
  })

  test("an event that brought its own p_ fields is found by Inlet's", async () => {
    await store(B, [
      { value: { n: 5, p_source_id: A, p_event_time: '1999-01-01T00:00:00Z' }, timeMs: T0 + 5 * HOUR },
    ])
    expect(decode((await page('', { sourceIds: [B] })).events).map((event) => event.n)).toEqual([5, 4])
    expect(decode((await page('n = 5')).events)[0].p_event_time).toBe(new Date(T0 + 5 * HOUR).toISOString())
  })

  test("source and log type filters read Inlet's own members, not look-alikes in the event", async () => {
    expect(decode((await page('', { sourceIds: [B] })).events).map((event) => event.n)).toEqual([4])
    const fake = await page('', { logType: 'Custom.Fake', toMs: T0 + 48 * HOUR })
    expect(fake.events).toEqual([])
  })
})

describe('pages', () => {
  test('cursors never repeat or skip an event while new ones arrive', async () => {
    for (let i = 0; i < 10; i++) {
      await store(
        A,
        Array.from({ length: 10 }, (_, j) => ({ value: { i: i * 10 + j }, timeMs: T0 + HOUR })),
      )
    }
    const seen: number[] = []
    let beforeSeq: number | undefined
    for (let round = 0; round < 50; round++) {
      const result = await page('', {}, { limit: 7, beforeSeq })
      seen.push(...decode(result.events).map((event) => event.i))
      // New events between pages sort above the cursor, so they never appear in later pages.
      await store(A, [{ value: { i: 1000 + round }, timeMs: T0 + HOUR }])
      if (result.nextSeq === null) break
      beforeSeq = result.nextSeq
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, k) => 99 - k))
  })

  test('a page stops at its byte budget and at its scan time, with a cursor to go on', async () => {
    await store(
      A,
      Array.from({ length: 50 }, (_, i) => ({ value: { i, pad: 'x'.repeat(100) }, timeMs: T0 + HOUR })),
    )
    const plan = planSearch(filters(''))
    const small = await searchPage(log, plan, { limit: 1000, responseBytesMax: 1000, scanTimeMsMax: 60_000 })
    expect(small.events.length).toBeGreaterThan(0)
    expect(small.events.length).toBeLessThan(10)
    expect(small.nextSeq).not.toBeNull()
    let now = 0
    const slow = await searchPage(log, planSearch(filters('nothing-matches-this')), {
      limit: 1000,
      responseBytesMax: 1 << 20,
      scanTimeMsMax: 5,
      clock: () => (now += 10),
    })
    expect(slow.events).toEqual([])
    expect(slow.nextSeq).not.toBeNull()
  })
})

describe('pruning and counting', () => {
  test('a one-hour window reads a fraction of the segments', async () => {
    for (let hour = 0; hour < 24; hour++) {
      await store(
        A,
        Array.from({ length: 200 }, (_, i) => ({
          value: { hour, i, pad: 'y'.repeat(200) },
          timeMs: T0 + hour * HOUR + i,
        })),
      )
    }
    const all = await page('', {}, { limit: 10_000 })
    const hour = await page('', { fromMs: T0 + 5 * HOUR, toMs: T0 + 6 * HOUR - 1 }, { limit: 10_000 })
    expect(hour.events).toHaveLength(200)
    expect(hour.stats.segmentsRead).toBeLessThanOrEqual(all.stats.segmentsRead / 10)
  })

  test('counts per bucket of p_event_time', async () => {
    await store(A, [
      { value: { k: 'x' }, timeMs: T0 + 10 },
      { value: { k: 'x' }, timeMs: T0 + HOUR + 10 },
      { value: { k: 'y' }, timeMs: T0 + HOUR + 20 },
    ])
    const histogram = await countMatches(log, planSearch(filters('k = x')), HOUR, { scanTimeMsMax: 60_000 })
    expect(histogram.count).toBe(2)
    expect([...histogram.buckets]).toEqual([
      [T0 + HOUR, 1],
      [T0, 1],
    ])
    expect(histogram.partial).toBe(false)
  })
})

describe('needles', () => {
  const found = async (q: string) => decode((await page(q)).events).map((event) => event.n)

  test('CONTAINS finds a value whose Unicode lower case alone holds the letter', async () => {
    // The Kelvin sign U+212A lower-cases to k, so its bytes hold no k for a needle to find.
    await store(A, [{ value: { n: 1, user: '\u212a' }, timeMs: T0 + HOUR }])
    expect(await found('user CONTAINS k')).toEqual([1])
  })

  // A word's needle is only its longest run that no writer escapes (`a/b` may be stored as `a\/b`), or
  // nothing (the Kelvin sign): such a word must still be checked by the predicate, not by its needle.
  test('words only partly covered by their needles are checked whole', async () => {
    await store(A, [
      { value: { n: 1, path: 'a' }, timeMs: T0 + HOUR },
      { value: { n: 2, path: 'a/b' }, timeMs: T0 + HOUR },
      { value: { n: 3, host: 'k' }, timeMs: T0 + HOUR },
    ])
    expect(await found('a/b')).toEqual([2])
    expect(await found('k "\u212a"')).toEqual([])
    expect(await found('k')).toEqual([3])
  })

  // Needles and windows are both read as ISO-8859-1; TextDecoder('latin1') is windows-1252, and a needle
  // read that way, with a byte from 0x80 to 0x9f in its UTF-8 (the 0x9f of ß), never matched.
  test('a word with a UTF-8 byte from 0x80 to 0x9f finds the events holding it', async () => {
    await store(A, [{ value: { n: 1, msg: 'stra\u00dfe' }, timeMs: T0 + HOUR }])
    expect(await found('stra\u00dfe')).toEqual([1])
  })
})
