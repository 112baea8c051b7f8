/**
 * The event log's health hooks: told once when writes start failing and once when they succeed again,
 * never per batch, whatever the fsync policy; a hook that throws does not break the log. Failures are
 * injected through `fileOps`, as in disk-full.test.ts. Also the histograms the log keeps for GET /metrics.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { type FileOps, nodeFileOps } from '../../src/eventlog/file-ops.ts'
import { type EventLog, type EventLogOptions, openEventLog } from '../../src/eventlog/index.ts'
import { batch, recordingLogger, removeDir, tempDir, testOptions } from './helpers.ts'

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })

describe('event log health hooks', () => {
  let dir: string
  let log: EventLog | null
  const faults = { write: false, fdatasync: false }
  let calls: string[]
  let throwing: boolean
  const faultyOps: Partial<FileOps> = {
    write: async (fd, bytes, offset, length, position) => {
      if (faults.write) throw enospc()
      return nodeFileOps.write(fd, bytes, offset, length, position)
    },
    fdatasync: async (fd) => {
      if (faults.fdatasync) throw enospc()
      return nodeFileOps.fdatasync(fd)
    },
  }
  const health = {
    writeFailed(error: unknown) {
      calls.push(`failed: ${(error as { code?: string }).code}`)
      if (throwing) throw new Error('hook broke')
    },
    writesRecovered() {
      calls.push('recovered')
      if (throwing) throw new Error('hook broke')
    },
  }
  const open = (overrides: Partial<EventLogOptions> = {}) =>
    openEventLog(testOptions(dir, overrides), {
      logger: recordingLogger().logger,
      fileOps: faultyOps,
      health,
    })
  /** Appends and says whether the batch was stored. */
  const stored = (from: number) =>
    log!.append(batch(from, 3)).then(
      () => true,
      () => false,
    )

  beforeEach(() => {
    dir = tempDir()
    log = null
    calls = []
    throwing = false
    Object.assign(faults, { write: false, fdatasync: false })
  })

  afterEach(async () => {
    Object.assign(faults, { write: false, fdatasync: false })
    await log?.close()
    removeDir(dir)
  })

  test('failing writes are reported once, and the first acknowledged group after them once', async () => {
    log = await open()
    expect(await stored(0)).toBe(true)
    expect(calls).toEqual([])
    faults.write = true
    for (let i = 0; i < 3; i++) expect(await stored(10 + i * 3)).toBe(false)
    expect(calls).toEqual(['failed: ENOSPC'])
    faults.write = false
    for (let i = 0; i < 3; i++) expect(await stored(100 + i * 3)).toBe(true)
    expect(calls).toEqual(['failed: ENOSPC', 'recovered'])
    // A second episode is reported again.
    faults.fdatasync = true
    expect(await stored(200)).toBe(false)
    faults.fdatasync = false
    expect(await stored(300)).toBe(true)
    expect(calls).toEqual(['failed: ENOSPC', 'recovered', 'failed: ENOSPC', 'recovered'])
  })

  test('many concurrent failing batches are one failure', async () => {
    log = await open()
    faults.write = true
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stored(i * 3)))
    expect(results.every((ok) => !ok)).toBe(true)
    faults.write = false
    expect(await stored(1000)).toBe(true)
    expect(calls).toEqual(['failed: ENOSPC', 'recovered'])
  })

  test('hooks that throw do not break the log', async () => {
    log = await open()
    throwing = true
    faults.write = true
    expect(await stored(0)).toBe(false)
    faults.write = false
    expect(await stored(10)).toBe(true)
    expect(await stored(20)).toBe(true)
    expect(calls).toEqual(['failed: ENOSPC', 'recovered'])
    expect(log.stats().lastSeq).toBe(6)
  })

  test('interval policy: a failing background sync is reported once, and its recovery once', async () => {
    log = await open({ fsync: 'interval', fsyncIntervalMs: 5 })
    faults.fdatasync = true
    // Under `interval` a group is acknowledged once written, so the batches succeed while syncs fail.
    for (let i = 0; i < 3; i++) {
      expect(await stored(i * 3)).toBe(true)
      await waitFor(() => log!.stats().writeErrors > i)
    }
    expect(calls).toEqual(['failed: ENOSPC'])
    faults.fdatasync = false
    await waitFor(() => calls.length > 1)
    expect(calls).toEqual(['failed: ENOSPC', 'recovered'])
    expect(await stored(100)).toBe(true)
    await Bun.sleep(30)
    expect(calls).toEqual(['failed: ENOSPC', 'recovered'])
  })
})

describe('event log histograms', () => {
  let dir: string
  let log: EventLog | null = null

  beforeEach(() => {
    dir = tempDir()
  })

  afterEach(async () => {
    await log?.close()
    log = null
    removeDir(dir)
  })

  test('fsync durations and records per group commit are observed', async () => {
    log = await openEventLog(testOptions(dir), { logger: recordingLogger().logger })
    await log.append(batch(0, 5))
    await Promise.all([log.append(batch(5, 2)), log.append(batch(7, 2))])
    const { fsyncSeconds, commitRecords, fsyncs, records } = log.stats()
    expect(fsyncSeconds.count).toBe(fsyncs)
    expect(fsyncSeconds.sum).toBeGreaterThan(0)
    expect(commitRecords.sum).toBe(records)
    expect(records).toBe(9)
    // Each group commit is one observation: the first batch alone, then the two others in one or two.
    expect(commitRecords.count).toBeGreaterThanOrEqual(2)
    expect(commitRecords.count).toBeLessThanOrEqual(3)
    // Cumulative: the bucket at 16 records holds every commit here.
    expect(commitRecords.counts[commitRecords.bounds.indexOf(16)]).toBe(commitRecords.count)
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out waiting for the condition')
    await Bun.sleep(2)
  }
}
