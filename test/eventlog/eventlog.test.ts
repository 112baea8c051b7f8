import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { AppError } from '../../src/errors.ts'
import { type EventLog, LogOverloadedError, LogUnavailableError } from '../../src/eventlog/index.ts'
import { batch, collect, eventNumber, openTestLog, removeDir, segmentFiles, tempDir } from './helpers.ts'

let dir: string
let log: EventLog | null

beforeEach(() => {
  dir = tempDir()
  log = null
})

afterEach(async () => {
  await log?.close()
  removeDir(dir)
})

describe('appending and reading', () => {
  test('round trip: what is appended reads back byte for byte, in both orders', async () => {
    ;({ log } = await openTestLog(dir))
    const first = await log.append(batch(0, 3))
    const second = await log.append(batch(3, 2))
    expect(first).toEqual({ firstSeq: 1, lastSeq: 3 })
    expect(second).toEqual({ firstSeq: 4, lastSeq: 5 })
    const expected = [0, 1, 2, 3, 4].map((n) => ({ seq: n + 1, n }))
    expect(await collect(log.read({ order: 'asc' }))).toEqual(expected)
    expect(await collect(log.read({ order: 'desc' }))).toEqual(expected.reverse())
    const records = batch(0, 1)
    for await (const record of log.read({ order: 'asc', toSeq: 1 }))
      expect(record.payload).toEqual(records[0]!.payload)
  })

  test('an empty batch stores nothing and names an empty range', async () => {
    ;({ log } = await openTestLog(dir))
    await log.append(batch(0, 2))
    expect(await log.append([])).toEqual({ firstSeq: 3, lastSeq: 2 })
    expect(log.stats().lastSeq).toBe(2)
  })

  test('concurrent appends share writes and fsyncs (group commit)', async () => {
    ;({ log } = await openTestLog(dir))
    const batches = 200
    const results = await Promise.all(Array.from({ length: batches }, (_, i) => log!.append(batch(i * 5, 5))))
    const stats = log.stats()
    expect(stats.batches).toBe(batches)
    expect(stats.fsyncs).toBeLessThan(batches / 4)
    expect(stats.fsyncs).toBeLessThanOrEqual(stats.groups)
    // Every batch got a contiguous, distinct range and its own records.
    const seen = new Set<number>()
    for (const { firstSeq, lastSeq } of results) {
      expect(lastSeq - firstSeq).toBe(4)
      for (let seq = firstSeq; seq <= lastSeq; seq++) seen.add(seq)
    }
    expect(seen.size).toBe(batches * 5)
    const read = await collect(log.read({ order: 'asc' }))
    expect(read.length).toBe(batches * 5)
    const bySeq = new Map(read.map((r) => [r.seq, r.n]))
    expect(results.map(({ firstSeq }) => bySeq.get(firstSeq))).toEqual(results.map((_, i) => i * 5))
  })

  test('seqs keep increasing across reopen and across segments', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 2048 }))
    for (let i = 0; i < 20; i++) await log.append(batch(i * 4, 4))
    await log.close()
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 2048 }))
    expect(log.stats().lastSeq).toBe(80)
    expect(await log.append(batch(80, 2))).toEqual({ firstSeq: 81, lastSeq: 82 })
    expect(segmentFiles(dir).length).toBeGreaterThan(3)
    const seqs = (await collect(log.read({ order: 'asc' }))).map((r) => r.seq)
    expect(seqs).toEqual(Array.from({ length: 82 }, (_, i) => i + 1))
  })

  test('a reopened log keeps the event times and sources of its active segment after a clean close', async () => {
    ;({ log } = await openTestLog(dir))
    await log.append(batch(0, 2, 'source-b', 5000))
    await log.close()
    ;({ log } = await openTestLog(dir))
    const [active] = log.segments()
    expect(active).toMatchObject({ count: 2, minTimeMs: 5000, maxTimeMs: 5000, sourceIds: ['source-b'] })
  })

  test('records the log has not acknowledged are not visible to reads', async () => {
    ;({ log } = await openTestLog(dir))
    await log.append(batch(0, 2))
    const pending = log.append(batch(2, 2))
    const cursor = log.read({ order: 'asc' })
    await pending
    expect((await collect(cursor)).map((r) => r.n)).toEqual([0, 1])
  })
})

describe('reading by range', () => {
  // Ten segments of ten records each, event times 1000 ms apart per segment, two sources alternating.
  async function tenSegments(): Promise<EventLog> {
    const opened = await openTestLog(dir, { segmentBytesMax: 1200 })
    for (let s = 0; s < 10; s++) {
      await opened.log.append(batch(s * 10, 10, s % 2 === 0 ? 'even' : 'odd', 10_000 + s * 1000))
    }
    return opened.log
  }

  test('seq ranges are exact in both orders', async () => {
    log = await tenSegments()
    expect(log.segments().length).toBe(10)
    const asc = await collect(log.read({ order: 'asc', fromSeq: 15, toSeq: 27 }))
    expect(asc.map((r) => r.seq)).toEqual(Array.from({ length: 13 }, (_, i) => 15 + i))
    const desc = await collect(log.read({ order: 'desc', fromSeq: 15, toSeq: 27 }))
    expect(desc.map((r) => r.seq)).toEqual(Array.from({ length: 13 }, (_, i) => 27 - i))
  })

  test('after a crash, the segment that was active stays visible to every time and source filter, even once sealed', async () => {
    const crashed = (await openTestLog(dir, { segmentBytesMax: 300 })).log
    await crashed.append(batch(0, 1, 'before-crash', 1000))
    // Never closed, as after a SIGKILL: its active segment's summary is never written (and closing it
    // later would write a stale one over the real summary).
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 300 }))
    for (let n = 1; n < 8; n++) await log.append(batch(n, 1, 'after-crash', 9000))
    expect(log.segments().length).toBeGreaterThan(1)
    const byTime = await collect(log.read({ order: 'asc', fromTimeMs: 500, toTimeMs: 1500 }))
    expect(byTime.map((r) => r.n)).toContain(0)
    const bySource = await collect(log.read({ order: 'asc', sourceIds: ['before-crash'] }))
    expect(bySource.map((r) => r.n)).toContain(0)
  })

  test('time ranges read only the segments their summaries allow', async () => {
    log = await tenSegments()
    const cursor = log.read({ order: 'desc', fromTimeMs: 13_000, toTimeMs: 14_500 })
    const read = await collect(cursor)
    expect(read.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, i) => 49 - i))
    expect(cursor.stats).toMatchObject({
      segmentsMatched: 2,
      segmentsRead: 2,
      segmentsSkipped: 8,
      records: 20,
    })
    const none = log.read({ order: 'asc', fromTimeMs: 50_000 })
    expect(await collect(none)).toEqual([])
    expect(none.stats.segmentsRead).toBe(0)
  })

  test('within a segment, windows whose event times fall outside a time range are not read', async () => {
    const open = () => openTestLog(dir)
    ;({ log } = await open())
    const big = new Uint8Array(300 * 1024)
    // Twelve 300 KiB records over about four 1 MiB windows, an hour of event time each.
    for (let i = 0; i < 12; i++)
      await log.append([{ payload: big.fill(i), eventTimeMs: i * 3_600_000, sourceId: 's' }])
    const read = async (fromTimeMs: number, toTimeMs: number) => {
      const cursor = log!.read({ order: 'desc', fromTimeMs, toTimeMs })
      const seqs: number[] = []
      for await (const record of cursor) seqs.push(record.seq)
      return { seqs, stats: cursor.stats }
    }
    const hour = await read(5 * 3_600_000, 5 * 3_600_000)
    expect(hour.seqs).toContain(6)
    expect(hour.stats.windowsRead).toBe(1)
    expect(hour.stats.windowsSkipped).toBeGreaterThan(1)
    // The window times survive a clean close, in the sidecar of the segment that was active.
    await log.close()
    ;({ log } = await open())
    expect((await read(5 * 3_600_000, 5 * 3_600_000)).stats.windowsRead).toBe(1)
  })

  test('a source filter skips segments without that source', async () => {
    log = await tenSegments()
    const cursor = log.read({ order: 'asc', sourceIds: ['odd'], fromTimeMs: 12_000 })
    const read = await collect(cursor)
    expect(cursor.stats.segmentsRead).toBe(4)
    expect(read.map((r) => Math.floor(r.n / 10))).toEqual([3, 5, 7, 9].flatMap((s) => Array(10).fill(s)))
  })

  test('a large segment is read window by window, and a seq range reads only its windows', async () => {
    ;({ log } = await openTestLog(dir))
    const big = new Uint8Array(300 * 1024)
    for (let i = 0; i < 12; i++) {
      await log.append([{ payload: big.fill(i), eventTimeMs: 0, sourceId: 's' }])
    }
    const all = log.read({ order: 'desc' })
    const seqs: number[] = []
    for await (const record of all) {
      seqs.push(record.seq)
      expect(record.payload[0]).toBe(record.seq - 1)
    }
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => 12 - i))
    expect(all.stats.windowsRead).toBeGreaterThanOrEqual(3)
    const one = log.read({ order: 'asc', fromSeq: 12 })
    expect((await collect2(one)).length).toBe(1)
    expect(one.stats.windowsRead).toBe(1)
  })
})

async function collect2(cursor: AsyncIterable<{ seq: number }>): Promise<number[]> {
  const seqs: number[] = []
  for await (const record of cursor) seqs.push(record.seq)
  return seqs
}

describe('limits and errors', () => {
  test('past the queue bound, appends fail fast with a typed 503', async () => {
    ;({ log } = await openTestLog(dir, { queueBytesMax: 64 * 1024 }))
    const appends = Array.from({ length: 50 }, (_, i) => log!.append(batch(i * 20, 20)))
    const settled = await Promise.allSettled(appends)
    const refused = settled.filter((s) => s.status === 'rejected')
    expect(refused.length).toBeGreaterThan(0)
    for (const r of refused) {
      const error = (r as PromiseRejectedResult).reason
      expect(error).toBeInstanceOf(LogOverloadedError)
      expect(error).toBeInstanceOf(AppError)
      expect(error).toMatchObject({ code: 'LOG_OVERLOADED', status: 503 })
    }
    expect(log.stats().overloads).toBe(refused.length)
    expect(log.stats().queueBytes).toBe(0)
    const stored = settled.filter((s) => s.status === 'fulfilled').length * 20
    expect((await collect(log.read({ order: 'asc' }))).length).toBe(stored)
  })

  test('close flushes queued appends, then refuses new ones', async () => {
    ;({ log } = await openTestLog(dir))
    const pending = log.append(batch(0, 3))
    await log.close()
    expect(await pending).toEqual({ firstSeq: 1, lastSeq: 3 })
    const error = await log.append(batch(3, 1)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LogUnavailableError)
    log = null
  })

  test('the interval policy acknowledges after the write, syncs on its timer and on close', async () => {
    ;({ log } = await openTestLog(dir, { fsync: 'interval', fsyncIntervalMs: 3_600_000 }))
    await Promise.all(Array.from({ length: 10 }, (_, i) => log!.append(batch(i * 3, 3))))
    expect(log.stats().fsyncs).toBe(0)
    await log.close()
    expect(log.stats().fsyncs).toBe(1)
    ;({ log } = await openTestLog(dir, { fsync: 'interval', fsyncIntervalMs: 10 }))
    await log.append(batch(30, 1))
    for (let i = 0; i < 200 && log.stats().fsyncs === 0; i++) await Bun.sleep(10)
    expect(log.stats().fsyncs).toBeGreaterThan(0)
    const read = await collect(log.read({ order: 'asc' }))
    expect(read.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 31 }, (_, i) => i))
  })

  test('payloads are opaque: any bytes round-trip', async () => {
    ;({ log } = await openTestLog(dir))
    const payload = Uint8Array.from({ length: 256 }, (_, i) => i)
    await log.append([{ payload, eventTimeMs: 1, sourceId: 'x' }])
    for await (const record of log.read({ order: 'asc' })) expect(record.payload).toEqual(payload)
    expect(() => eventNumber(payload)).toThrow()
  })
})
