/**
 * The workload and the checks of power-loss.test.ts: one run is one simulated disk (power-loss-fs.ts)
 * and a log on it taken through CASES_PER_RUN power cuts, each followed by a recovery and a check of
 * everything the log was sent.
 */
import * as path from 'node:path'
import { type AppendRecord, type EventLog, openEventLog } from '../../src/eventlog/index.ts'
import { recordingLogger, removeDir, tempDir, testOptions } from '../eventlog/helpers.ts'
import {
  CUT_MODES,
  type CutMode,
  type DiskStats,
  emptyDiskStats,
  PowerLossDisk,
  Random,
} from './power-loss-fs.ts'

/** The smallest segment the configuration allows, so that rolls come often. */
const SEGMENT_BYTES_MAX = 1024 * 1024
/** Each run draws how many appenders send at once (up to this many) and how slow its syncs are. */
const APPENDERS_MAX = 48
const SYNC_TURNS_MAX = 12
const CASES_PER_RUN = 8
/**
 * The power fails at a random operation up to this many into a case: a case of a few MiB takes about as
 * many, so the cut lands anywhere in it, a segment roll included. A case that appends its budget (1 to
 * 5 MiB) first ends right then, whatever is in flight.
 */
const CUT_EVENTS_MAX = 80
const CASE_BYTES_MIN = 1024 * 1024
const CASE_BYTES_RANGE = 4 * 1024 * 1024
/** About as many operations as a recovery of these logs takes, so a cut lands anywhere in one or just after. */
const RECOVERY_EVENTS_MAX = 16
/** Chance that a case at its budget ends in a clean close, the power failing during the close or after. */
const CLOSE_CHANCE = 0.2
const CLOSE_EVENTS_MAX = 8
/** In runs with retention, the chance that an appender applies it after an acknowledgement. */
const RETAIN_CHANCE = 0.05

export interface RunOptions {
  seed: number
  fsync: 'always' | 'interval'
  /** Chance that a disk operation fails while appending; recoveries run on a disk that works. */
  failureRate: number
  /** 0 for no retention. */
  retentionBytesMax: number
}

export interface Totals {
  cases: number
  casesByMode: Record<CutMode, number>
  recoveryCuts: number
  closeCuts: number
  recordsChecked: number
  ackedRecordsChecked: number
  batchesChecked: number
  ackedLost: number
  acked: number
  truncations: number
  segments: number
  segmentsRetained: number
  disk: DiskStats
}

export const newTotals = (): Totals => ({
  cases: 0,
  casesByMode: { 'drop-all': 0, 'keep-prefix': 0, 'keep-subset': 0 },
  recoveryCuts: 0,
  closeCuts: 0,
  recordsChecked: 0,
  ackedRecordsChecked: 0,
  batchesChecked: 0,
  ackedLost: 0,
  acked: 0,
  truncations: 0,
  segments: 0,
  segmentsRetained: 0,
  disk: emptyDiskStats(),
})

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Record `index` of batch `batch`; its content names it, so any record found can be checked on its own. */
function payloadOf(batch: number, index: number, size: number, padBytes: number): Uint8Array {
  const unit = `${batch}.${index}|`
  const pad = unit.repeat(Math.ceil(padBytes / unit.length)).slice(0, padBytes)
  return encoder.encode(JSON.stringify({ b: batch, i: index, n: size, p: pad }))
}

/** Pad sizes by batch profile: mostly small events, some of a few KiB, rarely batches larger than a segment. */
function padBytes(random: Random, profile: number): number {
  if (profile < 0.6) return random.int(200)
  if (profile < 0.97) return random.int(random.chance(0.9) ? 2000 : 16_000)
  return 20_000 + random.int(20_000)
}

/** Runs one disk through its cases; throws, naming the seed and the case, at the first broken promise. */
export async function powerLossRun(options: RunOptions, totals: Totals): Promise<void> {
  const run = new Run(options, totals)
  try {
    let log = await run.open()
    for (let c = 0; c < CASES_PER_RUN; c++) {
      const mode = CUT_MODES[(options.seed + c) % CUT_MODES.length]!
      totals.cases++
      totals.casesByMode[mode]++
      await run.appendUntilCut(log, mode)
      if (run.random.chance(0.2)) await run.cutDuringRecovery()
      log = await run.open()
      await run.probe(log, await run.verify(log))
      if (run.problems.length > 0) {
        await log.close()
        const failure = `seed ${options.seed}, case ${c} (${mode})`
        throw new Error(`power loss, ${failure}: ${run.problems.slice(0, 8).join('; ')}`)
      }
    }
    totals.segments += log.segments().length
    await log.close()
  } finally {
    removeDir(run.root)
    addStats(totals.disk, run.disk.stats)
  }
}

function addStats(sum: DiskStats, stats: DiskStats): void {
  for (const [operation, count] of Object.entries(stats.cutsDuring)) {
    sum.cutsDuring[operation] = (sum.cutsDuring[operation] ?? 0) + count
  }
  const counts = [
    'cuts',
    'failures',
    'writesKept',
    'writesDropped',
    'writesTorn',
    'dirChangesKept',
    'dirChangesDropped',
  ] as const
  for (const key of counts) sum[key] += stats[key]
}

/** One simulated disk and what was sent to it and acknowledged. */
class Run {
  readonly random: Random
  readonly root = tempDir()
  readonly disk: PowerLossDisk
  readonly problems: string[] = []
  private readonly appenders: number
  /** Every batch ever appended, acknowledged or not: its size. */
  private readonly sizes = new Map<number, number>()
  /** Acknowledged batches: first seq, and each record's bytes. */
  private readonly acked = new Map<number, { firstSeq: number; payloads: Uint8Array[] }>()
  private readonly ackedSeqs = new Map<number, number>()
  /** Seqs up to this one are in segments retention deleted: they may be gone, but if there, whole. */
  private retainedThrough = 0
  private nextBatch = 0
  private appendedBytes = 0

  constructor(
    private readonly options: RunOptions,
    private readonly totals: Totals,
  ) {
    this.random = new Random(options.seed)
    this.appenders = 1 + this.random.int(APPENDERS_MAX)
    this.disk = new PowerLossDisk(this.root, new Random(options.seed ^ 0x5bd1e995), {
      shortWrites: true,
      syncTurnsMax: 1 + this.random.int(SYNC_TURNS_MAX),
      failureRate: 0,
    })
  }

  async open(): Promise<EventLog> {
    const { logger, lines } = recordingLogger()
    const options = testOptions(path.join(this.root, 'log'), {
      segmentBytesMax: SEGMENT_BYTES_MAX,
      fsync: this.options.fsync,
      fsyncIntervalMs: 2,
      retentionBytesMax: this.options.retentionBytesMax,
    })
    const log = await openEventLog(options, { logger, fileOps: this.disk.boot() })
    this.totals.truncations += lines.filter((line) => line.message.includes('truncated')).length
    return log
  }

  /**
   * Appends from several appenders until the power fails, at an armed operation or once the case has
   * appended its budget; then lets the dead machine's log unwind, every operation failing.
   */
  async appendUntilCut(log: EventLog, mode: CutMode): Promise<void> {
    const generation = this.disk.generation
    const budget = this.appendedBytes + CASE_BYTES_MIN + this.random.int(CASE_BYTES_RANGE)
    let ending: Promise<void> | null = null
    this.disk.armCut(1 + this.random.int(CUT_EVENTS_MAX), mode)
    this.disk.options.failureRate = this.options.failureRate
    const appender = async () => {
      while (ending === null && this.disk.generation === generation) {
        if (this.appendedBytes >= budget) {
          ending = this.end(log, mode)
          break
        }
        const { batch, records, bytes } = this.newBatch()
        this.appendedBytes += bytes
        // A rejected append (the power failed, the disk failed, the queue was full) was not acknowledged:
        // it may be visible later, but only whole.
        const result = await log.append(records).catch(() => null)
        if (result) this.acknowledge(batch, records, result.firstSeq)
        if (this.options.retentionBytesMax > 0 && this.random.chance(RETAIN_CHANCE)) await this.retain(log)
      }
    }
    await Promise.all(Array.from({ length: this.appenders }, appender))
    await ending
    this.disk.options.failureRate = 0
    await log.close().catch(() => {})
  }

  /** Ends a case at its budget: the power fails now, or during a clean close, or right after one. */
  private async end(log: EventLog, mode: CutMode): Promise<void> {
    if (!this.random.chance(CLOSE_CHANCE)) return this.disk.cutNow(mode)
    const generation = this.disk.generation
    this.totals.closeCuts++
    this.disk.armCut(1 + this.random.int(CLOSE_EVENTS_MAX), mode)
    await log.close().catch(() => {})
    if (this.disk.generation === generation) this.disk.cutNow(mode)
  }

  /** Applies retention and notes the seqs of the segments it deleted. */
  private async retain(log: EventLog): Promise<void> {
    const before = log.segments()
    await log.retain()
    const kept = new Set(log.segments().map((segment) => segment.firstSeq))
    for (const segment of before.filter((s) => !kept.has(s.firstSeq))) {
      this.totals.segmentsRetained++
      this.retainedThrough = Math.max(this.retainedThrough, segment.lastSeq)
    }
  }

  /** Cuts the power again early in a recovery (or just after it), then lets the machine unwind. */
  async cutDuringRecovery(): Promise<void> {
    this.totals.recoveryCuts++
    const generation = this.disk.generation
    this.disk.armCut(1 + this.random.int(RECOVERY_EVENTS_MAX), CUT_MODES[this.random.int(CUT_MODES.length)]!)
    const log = await this.open().catch(() => null)
    if (this.disk.generation === generation) this.disk.cutNow('keep-subset')
    await log?.close().catch(() => {})
  }

  /** Reads the whole log back and checks the promises; returns the highest seq seen. */
  async verify(log: EventLog): Promise<number> {
    const seen = new Map<number, { firstSeq: number; count: number }>()
    let lastSeq = 0
    const cursor = log.read({ order: 'asc' })
    for await (const { seq, payload } of cursor) {
      lastSeq = seq
      const { batch, index } = this.check(seq, payload)
      const entry = seen.get(batch)
      if (entry === undefined ? index !== 0 : index !== entry.count || seq !== entry.firstSeq + index) {
        this.problems.push(`batch ${batch}: record ${index} at seq ${seq} out of place`)
      }
      if (entry) entry.count++
      else seen.set(batch, { firstSeq: seq, count: 1 })
    }
    for (const [batch, { count }] of seen) {
      const size = this.sizes.get(batch)
      if (count !== size) this.problems.push(`batch ${batch}: ${count} of ${size} records visible`)
    }
    this.totals.batchesChecked += seen.size
    if (cursor.stats.corruptRegions > 0) {
      this.problems.push(`${cursor.stats.corruptRegions} damaged ranges skipped`)
    }
    this.forgetMissing(seen)
    this.problems.push(...this.disk.problems)
    return lastSeq
  }

  /** Checks one record's bytes: an acknowledged one against what was sent, any other against its name. */
  private check(seq: number, payload: Uint8Array): { batch: number; index: number } {
    this.totals.recordsChecked++
    const ackedBatch = this.ackedSeqs.get(seq)
    if (ackedBatch !== undefined) {
      const { firstSeq, payloads } = this.acked.get(ackedBatch)!
      if (!Buffer.from(payload).equals(payloads[seq - firstSeq]!)) this.problems.push(`seq ${seq} changed`)
      this.totals.ackedRecordsChecked++
      return { batch: ackedBatch, index: seq - firstSeq }
    }
    const found = JSON.parse(decoder.decode(payload)) as { b: number; i: number; n: number; p: string }
    const expected = payloadOf(found.b, found.i, this.sizes.get(found.b) ?? -1, found.p.length)
    if (!Buffer.from(payload).equals(expected)) this.problems.push(`seq ${seq} is not what was sent`)
    return { batch: found.b, index: found.i }
  }

  /**
   * Forgets acknowledged batches that did not come back: retention may have deleted them; otherwise it is
   * a broken promise under `always`, and allowed under `interval`, which acknowledges before syncing.
   */
  private forgetMissing(seen: Map<number, { firstSeq: number }>): void {
    for (const [batch, { firstSeq, payloads }] of this.acked) {
      if (seen.get(batch)?.firstSeq === firstSeq) continue
      if (firstSeq + payloads.length - 1 > this.retainedThrough) {
        if (this.options.fsync === 'always')
          this.problems.push(`acknowledged batch ${batch} (seq ${firstSeq}) lost`)
        this.totals.ackedLost += payloads.length
      }
      this.acked.delete(batch)
      for (let i = 0; i < payloads.length; i++) this.ackedSeqs.delete(firstSeq + i)
    }
  }

  /** The log takes an append after recovery, past every seq seen, and reads it back. */
  async probe(log: EventLog, lastSeq: number): Promise<void> {
    const { batch, records } = this.newBatch()
    const { firstSeq } = await log.append(records)
    if (firstSeq <= lastSeq) this.problems.push(`append after recovery reused seq ${firstSeq}`)
    this.acknowledge(batch, records, firstSeq)
    const back: Uint8Array[] = []
    for await (const record of log.read({ order: 'asc', fromSeq: firstSeq })) back.push(record.payload)
    const same =
      back.length === records.length && back.every((p, i) => Buffer.from(p).equals(records[i]!.payload))
    if (!same)
      this.problems.push(`append after recovery read back ${back.length} of ${records.length} records`)
  }

  private newBatch(): { batch: number; records: AppendRecord[]; bytes: number } {
    const batch = this.nextBatch++
    const size = 1 + this.random.int(50)
    const profile = this.random.next()
    const records = Array.from({ length: size }, (_, i) => ({
      payload: payloadOf(batch, i, size, padBytes(this.random, profile)),
      eventTimeMs: 1_700_000_000_000 + batch,
      sourceId: `source-${batch % 7}`,
    }))
    this.sizes.set(batch, size)
    return { batch, records, bytes: records.reduce((sum, r) => sum + r.payload.length, 0) }
  }

  private acknowledge(batch: number, records: AppendRecord[], firstSeq: number): void {
    for (let i = 0; i < records.length; i++) {
      const previous = this.ackedSeqs.get(firstSeq + i)
      if (previous !== undefined) {
        this.problems.push(`seq ${firstSeq + i} acknowledged for batches ${previous} and ${batch}`)
      }
      this.ackedSeqs.set(firstSeq + i, batch)
    }
    this.acked.set(batch, { firstSeq, payloads: records.map((r) => r.payload) })
    this.totals.acked += records.length
  }
}
