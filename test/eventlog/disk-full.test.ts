import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type FileOps, nodeFileOps } from '../../src/eventlog/file-ops.ts'
import {
  type AppendRecord,
  type EventLog,
  LogUnavailableError,
  openEventLog,
} from '../../src/eventlog/index.ts'
import { batch, collect, recordingLogger, removeDir, segmentFiles, tempDir, testOptions } from './helpers.ts'

/** Appends and remembers what was acknowledged, so the test can check exactly that survived. */
async function appendTracked(log: EventLog, records: AppendRecord[], acked: number[][]): Promise<unknown> {
  try {
    const { firstSeq, lastSeq } = await log.append(records)
    acked.push(Array.from({ length: lastSeq - firstSeq + 1 }, (_, i) => firstSeq + i))
    return null
  } catch (error) {
    return error
  }
}

function expectUnavailable(error: unknown): void {
  expect(error).toBeInstanceOf(LogUnavailableError)
  expect(error).toMatchObject({ code: 'LOG_UNAVAILABLE', status: 503 })
}

// A real full disk: a 256 KiB tmpfs. Mounting needs root; where it is refused, this part is skipped and
// the injected failures below still cover the writer's error handling.
const mountPoint = tempDir()
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]).status === 0

afterAll(() => {
  // Lazy, so a failed test that left the log open cannot leave the mount behind.
  if (mounted) spawnSync('umount', ['-l', mountPoint])
  removeDir(mountPoint)
})

describe('a real full disk (tmpfs)', () => {
  test.skipIf(!mounted)(
    'appends fail typed, the log stays readable, and recovers when space returns',
    async () => {
      const filler = path.join(mountPoint, 'filler')
      fs.writeFileSync(filler, new Uint8Array(96 * 1024))
      const dir = path.join(mountPoint, 'log')
      const { logger, lines } = recordingLogger()
      const options = testOptions(dir, { segmentBytesMax: 48 * 1024 })
      let log = await openEventLog(options, { logger })
      try {
        const acked: number[][] = []
        let failure: unknown = null
        for (let i = 0; i < 200 && failure === null; i++)
          failure = await appendTracked(log, batch(i * 40, 40), acked)
        expectUnavailable(failure)
        expect(lines.some((l) => l.level === 'error' && l.message.includes('write failed'))).toBe(true)
        expectUnavailable(await appendTracked(log, batch(0, 40), acked))
        expect((await collect(log.read({ order: 'asc' }))).map((r) => r.seq)).toEqual(acked.flat())

        fs.rmSync(filler)
        expect(await appendTracked(log, batch(9000, 40), acked)).toBeNull()
        await log.close()
        log = await openEventLog(options, { logger })
        expect((await collect(log.read({ order: 'asc' }))).map((r) => r.seq)).toEqual(acked.flat())
      } finally {
        await log.close()
      }
    },
  )
})

describe('injected write errors', () => {
  let dir: string
  let log: EventLog | null
  const faults = { write: false, fdatasync: false, ftruncate: false }
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
  // A failing write first writes half its bytes, as a real filesystem running out of space does.
  const faultyOps: Partial<FileOps> = {
    write: async (fd, bytes, offset, length, position) => {
      if (!faults.write) return nodeFileOps.write(fd, bytes, offset, length, position)
      await nodeFileOps.write(fd, bytes, offset, Math.max(1, length >> 1), position)
      throw enospc()
    },
    fdatasync: async (fd) => {
      if (faults.fdatasync) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })
      return nodeFileOps.fdatasync(fd)
    },
    ftruncate: async (fd, length) => {
      if (faults.ftruncate) throw enospc()
      return nodeFileOps.ftruncate(fd, length)
    },
  }
  const open = () => openEventLog(testOptions(dir), { logger: recordingLogger().logger, fileOps: faultyOps })

  beforeEach(() => {
    dir = tempDir()
    log = null
    Object.assign(faults, { write: false, fdatasync: false, ftruncate: false })
  })

  afterEach(async () => {
    Object.assign(faults, { write: false, fdatasync: false, ftruncate: false })
    await log?.close()
    removeDir(dir)
  })

  test('a failed write is truncated away and seqs stay dense', async () => {
    log = await open()
    const acked: number[][] = []
    await appendTracked(log, batch(0, 10), acked)
    const size = fs.statSync(segmentFiles(dir)[0]!).size
    faults.write = true
    expectUnavailable(await appendTracked(log, batch(10, 10), acked))
    expect(fs.statSync(segmentFiles(dir)[0]!).size).toBe(size)
    expect((await collect(log.read({ order: 'asc' }))).length).toBe(10)
    faults.write = false
    expect(await log.append(batch(20, 5))).toEqual({ firstSeq: 11, lastSeq: 15 })
    expect(log.stats().writeErrors).toBe(1)
  })

  test('a failed fdatasync fails the batch, and nothing of it comes back after reopening', async () => {
    log = await open()
    const acked: number[][] = []
    await appendTracked(log, batch(0, 10), acked)
    faults.fdatasync = true
    expectUnavailable(await appendTracked(log, batch(10, 10), acked))
    faults.fdatasync = false
    await appendTracked(log, batch(20, 3), acked)
    await log.close()
    log = await open()
    const read = await collect(log.read({ order: 'asc' }))
    expect(read.map((r) => r.seq)).toEqual(acked.flat())
    expect(read.map((r) => r.n)).toEqual([...Array.from({ length: 10 }, (_, i) => i), 20, 21, 22])
  })

  test('when truncation fails too, leftovers never pass for records, even after a restart', async () => {
    log = await open()
    const acked: number[][] = []
    await appendTracked(log, batch(0, 4), acked)
    Object.assign(faults, { write: true, ftruncate: true })
    // A large failed batch leaves many whole records behind, then a shorter batch is written over them.
    expectUnavailable(await appendTracked(log, batch(100, 40), acked))
    faults.write = false
    expectUnavailable(await appendTracked(log, batch(200, 2), acked))
    faults.ftruncate = false
    expect(await appendTracked(log, batch(300, 2), acked)).toBeNull()
    expect((await collect(log.read({ order: 'asc' }))).map((r) => r.seq)).toEqual(acked.flat())
    await log.close()
    log = await open()
    const read = await collect(log.read({ order: 'asc' }))
    expect(read.map((r) => r.seq)).toEqual(acked.flat())
    expect(read.map((r) => r.n)).toEqual([0, 1, 2, 3, 300, 301])
  })

  test('concurrent batches spanning several groups all fail typed, and the log carries on', async () => {
    log = await open()
    faults.write = true
    // 20 batches of 100 KiB: more than one group (GROUP_BYTES_MAX), so one is encoded behind a failing one.
    const big = (i: number): AppendRecord[] => [
      { payload: new Uint8Array(100 * 1024).fill(i), eventTimeMs: 0, sourceId: 's' },
    ]
    const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => log!.append(big(i))))
    for (const s of settled) expectUnavailable((s as PromiseRejectedResult).reason)
    // Only the first group reached the disk; the one encoded behind it was rejected without a write.
    expect(log.stats().writeErrors).toBe(1)
    faults.write = false
    expect(await log.append(batch(0, 1))).toEqual({ firstSeq: 1, lastSeq: 1 })
    expect(log.stats().queueBytes).toBe(0)
    expect(fs.statSync(segmentFiles(dir)[0]!).size).toBe(log.stats().bytes)
  })
})
