import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import * as fs from 'node:fs'
import type { EventLog } from '../../src/eventlog/index.ts'
import { batch, collect, openTestLog, removeDir, segmentFiles, tempDir } from './helpers.ts'

let dir: string
let log: EventLog | null
let now: number
const clock = () => now
const HOUR_MS = 3_600_000

beforeEach(() => {
  dir = tempDir()
  log = null
  now = 1_700_000_000_000
})

afterEach(async () => {
  await log?.close()
  removeDir(dir)
})

/** Appends `count` batches, an hour of fake time apart, into segments of one batch each. */
async function fill(count: number): Promise<void> {
  for (let b = 0; b < count; b++) {
    await log!.append(batch(b * 5, 5))
    now += HOUR_MS
  }
}

describe('retention', () => {
  test('by age: only sealed segments older than the limit go, oldest first', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 300, retentionAgeMs: 3.5 * HOUR_MS }, clock))
    await fill(8)
    const before = log.segments()
    expect(before.length).toBe(8)
    expect(await log.retain()).toEqual({
      deletedSegments: 4,
      deletedBytes: before.slice(0, 4).reduce((sum, s) => sum + s.bytes, 0),
    })
    expect(log.segments().map((s) => s.firstSeq)).toEqual(before.slice(4).map((s) => s.firstSeq))
    expect(segmentFiles(dir).length).toBe(4)
    // Sealed segments have sidecars; the active one gets its sidecar only at close.
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.sum')).length).toBe(3)
    expect((await collect(log.read({ order: 'asc' })))[0]!.seq).toBe(21)
  })

  test('never deletes the active segment, however old', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 300, retentionAgeMs: 1 }, clock))
    await fill(3)
    now += 1000 * HOUR_MS
    await log.retain()
    expect(log.segments().length).toBe(1)
    expect((await collect(log.read({ order: 'asc' }))).map((r) => r.n)).toEqual([10, 11, 12, 13, 14])
    expect(await log.append(batch(15, 1))).toEqual({ firstSeq: 16, lastSeq: 16 })
  })

  test('by size: oldest segments go until the total is within the cap', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 300 }, clock))
    await fill(10)
    await log.close()
    const total = log.stats().bytes
    const cap = Math.floor(total / 2)
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 300, retentionBytesMax: cap }, clock))
    const { deletedSegments } = await log.retain()
    expect(deletedSegments).toBeGreaterThan(3)
    expect(log.stats().bytes).toBeLessThanOrEqual(cap)
    expect(log.stats().bytes + log.segments()[0]!.bytes).toBeGreaterThan(cap)
  })

  test('runs in the background on its timer and stops on close', async () => {
    ;({ log } = await openTestLog(
      dir,
      { segmentBytesMax: 300, retentionAgeMs: HOUR_MS, retentionCheckIntervalMs: 10 },
      clock,
    ))
    await fill(4)
    now += 10 * HOUR_MS
    for (let i = 0; i < 100 && log.segments().length > 1; i++) await Bun.sleep(10)
    expect(log.segments().length).toBe(1)
    await log.close()
    // After close the timer is gone: new segments that expire stay on disk.
    const files = segmentFiles(dir).length
    await Bun.sleep(50)
    expect(segmentFiles(dir).length).toBe(files)
    log = null
  })

  test('a reader that opened a segment keeps reading it while retention deletes it', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 300, retentionAgeMs: HOUR_MS / 2 }, clock))
    await fill(4)
    const cursor = log.read({ order: 'asc' })
    const iterator = cursor[Symbol.asyncIterator]()
    const first = await iterator.next()
    expect(first.value?.seq).toBe(1)
    await log.retain()
    const rest: number[] = []
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value.seq)
    // The open segment is read to its end; the deleted ones not yet opened are counted as missing.
    expect(rest.slice(0, 4)).toEqual([2, 3, 4, 5])
    expect(rest.slice(4)).toEqual([16, 17, 18, 19, 20])
    expect(cursor.stats.segmentsMissing).toBe(2)
  })
})
