import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { nodeFileOps } from '../../src/eventlog/file-ops.ts'
import { type EventLog, openEventLog } from '../../src/eventlog/index.ts'
import { scanRecords } from '../../src/eventlog/record.ts'
import {
  batch,
  collect,
  type LogLine,
  openTestLog,
  recordingLogger,
  removeDir,
  segmentFiles,
  tempDir,
  testOptions,
} from './helpers.ts'

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

/** Start offsets of the records in a segment file, by seq. */
function recordOffsets(file: string): Map<number, number> {
  const bytes = fs.readFileSync(file)
  const offsets = new Map<number, number>()
  scanRecords(bytes, 0, bytes.length, 0, { record: (seq, start) => offsets.set(seq, start), corrupt() {} })
  return offsets
}

function flipByte(file: string, offset: number): void {
  const bytes = fs.readFileSync(file)
  bytes[offset]! ^= 0x5a
  fs.writeFileSync(file, bytes)
}

const warned = (lines: LogLine[], text: string) =>
  lines.some((l) => l.level === 'warn' && l.message.includes(text))

/** Writes three batches (seqs 1-3, 4-6, 7-9) into a single segment and closes the log. */
async function threeBatches(): Promise<string> {
  const opened = await openTestLog(dir)
  for (let b = 0; b < 3; b++) await opened.log.append(batch(b * 3, 3))
  await opened.log.close()
  return segmentFiles(dir)[0]!
}

describe('opening after damage', () => {
  test('a torn last record is truncated, its whole batch with it, and reported', async () => {
    const file = await threeBatches()
    const offsets = recordOffsets(file)
    fs.truncateSync(file, fs.statSync(file).size - 3)
    const opened = await openTestLog(dir)
    log = opened.log
    expect(warned(opened.lines, 'truncated a torn or corrupt tail')).toBe(true)
    expect(fs.statSync(file).size).toBe(offsets.get(7)!)
    expect((await collect(log.read({ order: 'asc' }))).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(await log.append(batch(100, 1))).toEqual({ firstSeq: 7, lastSeq: 7 })
  })

  test('garbage and zeros after the last record are truncated; every record survives', async () => {
    const file = await threeBatches()
    const size = fs.statSync(file).size
    fs.appendFileSync(
      file,
      Uint8Array.from({ length: 777 }, (_, i) => (i * 91) & 0xff),
    )
    fs.appendFileSync(file, new Uint8Array(4096))
    const opened = await openTestLog(dir)
    log = opened.log
    expect(warned(opened.lines, 'truncated')).toBe(true)
    expect(fs.statSync(file).size).toBe(size)
    expect((await collect(log.read({ order: 'asc' }))).length).toBe(9)
  })

  test('a flipped bit in the last record loses that batch only', async () => {
    const file = await threeBatches()
    flipByte(file, fs.statSync(file).size - 2)
    ;({ log } = await openTestLog(dir))
    expect((await collect(log.read({ order: 'asc' }))).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6])
  })

  test('a hole inside the active segment ends it, so no batch comes back in part', async () => {
    // A power loss may keep writes made after one it loses, all unsynced, so none acknowledged: record 5
    // never reached the disk, records after it did. Damage of any other kind is cut the same way.
    const file = await threeBatches()
    const offsets = recordOffsets(file)
    const bytes = fs.readFileSync(file)
    bytes.fill(0, offsets.get(5)!, offsets.get(6)!)
    fs.writeFileSync(file, bytes)
    const opened = await openTestLog(dir)
    log = opened.log
    expect(warned(opened.lines, 'truncated a torn or corrupt tail')).toBe(true)
    expect(fs.statSync(file).size).toBe(offsets.get(4)!)
    expect(await log.append(batch(9, 1))).toEqual({ firstSeq: 4, lastSeq: 4 })
    const cursor = log.read({ order: 'asc' })
    expect((await collect(cursor)).map((r) => r.seq)).toEqual([1, 2, 3, 4])
    expect(cursor.stats.corruptRegions).toBe(0)
  })

  test('an empty segment left by a failed roll is dropped on open, so no seq is given out twice', async () => {
    // The roll creates the next segment, then its directory sync fails: the writer goes on in the
    // segment before, under the seqs the empty file is named by.
    let failSyncDir = false
    const fileOps = {
      syncDir: async (d: string) => {
        if (failSyncDir) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })
        return nodeFileOps.syncDir(d)
      },
    }
    const options = testOptions(dir, { segmentBytesMax: 1000 })
    // A clock that stands still keeps the failed roll from being retried.
    const open = () => openEventLog(options, { logger: recordingLogger().logger, clock: () => 0, fileOps })
    log = await open()
    failSyncDir = true
    for (let b = 0; b < 6; b++) await log.append(batch(b * 4, 4))
    await log.close()
    expect(segmentFiles(dir).length).toBe(2)
    failSyncDir = false
    log = await open()
    expect(await log.append(batch(100, 2))).toEqual({ firstSeq: 25, lastSeq: 26 })
    const seqs = (await collect(log.read({ order: 'asc' }))).map((r) => r.seq)
    expect(seqs).toEqual(Array.from({ length: 26 }, (_, i) => i + 1))
  })

  test('a whole segment of garbage opens as empty and seqs continue from its name', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 600 }))
    for (let b = 0; b < 6; b++) await log.append(batch(b * 3, 3))
    await log.close()
    const files = segmentFiles(dir)
    const last = files[files.length - 1]!
    const firstSeq = Number(path.basename(last, '.seg'))
    fs.writeFileSync(last, new Uint8Array(fs.statSync(last).size).fill(0xab))
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 600 }))
    expect(fs.statSync(last).size).toBe(0)
    expect(log.stats().lastSeq).toBe(firstSeq - 1)
    expect((await log.append(batch(50, 1))).firstSeq).toBe(firstSeq)
  })
})

describe('reading damaged sealed segments', () => {
  test('a flipped bit in a sealed segment is skipped and reported on read, once in the log', async () => {
    const opened = await openTestLog(dir, { segmentBytesMax: 1000 })
    log = opened.log
    for (let b = 0; b < 8; b++) await log.append(batch(b * 4, 4))
    const sealed = segmentFiles(dir)[0]!
    const offsets = recordOffsets(sealed)
    const victim = [...offsets.keys()][1]!
    flipByte(sealed, offsets.get(victim)! + 20)
    for (let i = 0; i < 2; i++) {
      const cursor = log.read({ order: i === 0 ? 'asc' : 'desc' })
      const seqs = (await collect(cursor)).map((r) => r.seq)
      expect(seqs.length).toBe(31)
      expect(seqs).not.toContain(victim)
      expect(cursor.stats.corruptRegions).toBe(1)
    }
    expect(opened.lines.filter((l) => l.message.includes('corrupt bytes skipped while reading')).length).toBe(
      1,
    )
    expect(log.stats().corruptRegions).toBe(2)
  })

  test('a missing or damaged sidecar is rebuilt from its segment', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 1000 }))
    for (let b = 0; b < 8; b++) await log.append(batch(b * 4, 4, 's', 1000 + b))
    await log.close()
    const sidecars = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.sum'))
      .sort()
    expect(sidecars.length).toBeGreaterThan(2)
    fs.rmSync(path.join(dir, sidecars[0]!))
    fs.writeFileSync(path.join(dir, sidecars[1]!), '{"version":1,"firstSeq":')
    const opened = await openTestLog(dir, { segmentBytesMax: 1000 })
    log = opened.log
    expect(opened.lines.filter((l) => l.message.includes('rebuilding a segment summary')).length).toBe(2)
    const [first, second, third] = log.segments()
    // Rebuilt summaries cannot know event times or sources, so they match every filter.
    expect(first!.sourceIds).toBeNull()
    expect(second!.sourceIds).toBeNull()
    expect(third!.sourceIds).toEqual(['s'])
    expect((await collect(log.read({ order: 'asc' }))).length).toBe(32)
    const byTime = log.read({ order: 'asc', fromTimeMs: 5000 })
    await collect(byTime)
    expect(byTime.stats.segmentsRead).toBe(2)
    expect(fs.existsSync(path.join(dir, sidecars[0]!))).toBe(true)
  })

  test('a sidecar written before windows had event times is read, its windows matching every time', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 1000 }))
    for (let b = 0; b < 8; b++) await log.append(batch(b * 4, 4, 's', b * 1000))
    await log.close()
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.sum'))) {
      const file = path.join(dir, name)
      const summary = JSON.parse(fs.readFileSync(file, 'utf8'))
      summary.windows = summary.windows.map((window: number[]) => window.slice(0, 2))
      fs.writeFileSync(file, JSON.stringify(summary))
    }
    const opened = await openTestLog(dir, { segmentBytesMax: 1000 })
    log = opened.log
    expect(opened.lines.some((l) => l.message.includes('rebuilding'))).toBe(false)
    const byTime = log.read({ order: 'asc', fromTimeMs: 3000, toTimeMs: 3000 })
    // Time filters are coarse (whole segments and windows): what is read holds the range, maybe more.
    expect((await collect(byTime)).map((r) => r.n)).toEqual(expect.arrayContaining([12, 13, 14, 15]))
    expect(byTime.stats.windowsSkipped).toBe(0)
  })

  test('leftovers of an interrupted deletion or sidecar write are removed on open', async () => {
    ;({ log } = await openTestLog(dir, { segmentBytesMax: 1000 }))
    for (let b = 0; b < 8; b++) await log.append(batch(b * 4, 4))
    await log.close()
    const [oldest] = segmentFiles(dir)
    // A deletion interrupted after its first step: segment renamed away, sidecar still present.
    fs.renameSync(oldest!, `${oldest}.del`)
    fs.writeFileSync(path.join(dir, '00000000000000000099.sum.tmp'), 'partial')
    const opened = await openTestLog(dir, { segmentBytesMax: 1000 })
    log = opened.log
    expect(opened.lines.some((l) => l.message.includes('removed leftovers'))).toBe(true)
    expect(fs.readdirSync(dir).filter((n) => !/^\d{20}\.(seg|sum)$/.test(n))).toEqual([])
    expect(fs.existsSync(oldest!.replace('.seg', '.sum'))).toBe(false)
    const seqs = (await collect(log.read({ order: 'asc' }))).map((r) => r.seq)
    expect(seqs[0]).toBeGreaterThan(1)
    expect(seqs[seqs.length - 1]).toBe(32)
  })
})
