/**
 * Reading the log: by seq range, oldest or newest first, with summaries pruning segments by seq, event
 * time and source.
 *
 * Time and source filters prune whole segments, and time filters also the windows (about WINDOW_BYTES)
 * of a segment, each of which knows the range of its records' event times. Payloads are opaque to the
 * log, so what is read may still hold records outside the time range or from other sources; the caller
 * (search) applies the exact filter. Seq bounds are exact. Order is seq order:
 * `desc` means newest appended first.
 *
 * A read sees the log as it was when `read` was called: segments and byte lengths are captured then, and
 * they only ever cover acknowledged records, so a reader never sees a record before its append resolved.
 * Records are read one window (about WINDOW_BYTES) at a time; a payload is a view into its window's buffer.
 */
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { scanRecords } from './record.ts'
import { type SegmentState, segmentFile } from './segment.ts'

export interface ReadQuery {
  /** Inclusive seq bounds. */
  fromSeq?: number
  toSeq?: number
  /** Inclusive event-time bounds (ms since the epoch); they prune segments, see the file comment. */
  fromTimeMs?: number
  toTimeMs?: number
  /** Only segments holding one of these sources; an empty list matches nothing. */
  sourceIds?: readonly string[]
  order: 'asc' | 'desc'
}

export interface StoredRecord {
  seq: number
  payload: Uint8Array
}

/** What one read did, so search can report its cost and tests can check the pruning. */
export interface ReadStats {
  /** Segments whose summary matched the query. */
  segmentsMatched: number
  /** Segments skipped on their summary alone, never opened. */
  segmentsSkipped: number
  /** Segments actually opened and read. */
  segmentsRead: number
  /** Matched segments deleted by retention before the read reached them. */
  segmentsMissing: number
  windowsRead: number
  /** Windows of read segments skipped on their event times alone. */
  windowsSkipped: number
  bytesRead: number
  records: number
  corruptRegions: number
}

/**
 * The records of one window, in the read's order: payload `i` is `bytes[starts[i], ends[i])`, its seq
 * `seqs[i]`. For scans that look at every payload: one object per window instead of one per record.
 */
export interface RecordBatch {
  bytes: Uint8Array
  seqs: number[]
  starts: number[]
  ends: number[]
}

export interface LogCursor extends AsyncIterable<StoredRecord> {
  readonly stats: ReadStats
  /** The same records a window at a time. A cursor is read once, one way or the other. */
  batches(): AsyncIterable<RecordBatch>
}

/** Called for each damaged range a read skips. */
export type CorruptionReporter = (segment: string, offset: number, bytes: number) => void

/** A segment as captured when a read starts; window arrays are shared, as they are only ever appended to. */
interface SegmentView {
  firstSeq: number
  bytes: number
  windowOffsets: readonly number[]
  windowSeqs: readonly number[]
  windowMinTimes: readonly number[]
  windowMaxTimes: readonly number[]
  windowCount: number
}

export function openCursor(
  dir: string,
  segments: readonly SegmentState[],
  query: ReadQuery,
  report: CorruptionReporter,
): LogCursor {
  const stats: ReadStats = {
    segmentsMatched: 0,
    segmentsSkipped: 0,
    segmentsRead: 0,
    segmentsMissing: 0,
    windowsRead: 0,
    windowsSkipped: 0,
    bytesRead: 0,
    records: 0,
    corruptRegions: 0,
  }
  const views: SegmentView[] = []
  for (const segment of segments) {
    if (!matches(segment, query)) {
      stats.segmentsSkipped++
      continue
    }
    stats.segmentsMatched++
    const { firstSeq, bytes, windowOffsets, windowSeqs, windowMinTimes, windowMaxTimes } = segment
    const windowCount = windowOffsets.length
    views.push({ firstSeq, bytes, windowOffsets, windowSeqs, windowMinTimes, windowMaxTimes, windowCount })
  }
  if (query.order === 'desc') views.reverse()
  const reader = new WindowReader(dir, query, stats, report)
  async function* batches(): AsyncGenerator<RecordBatch> {
    for (const view of views) yield* reader.segment(view)
  }
  return {
    stats,
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) {
        const { bytes, seqs, starts, ends } = batch
        for (let i = 0; i < seqs.length; i++)
          yield { seq: seqs[i]!, payload: bytes.subarray(starts[i], ends[i]) }
      }
    },
  }
}

function matches(segment: SegmentState, query: ReadQuery): boolean {
  if (segment.count === 0) return false
  if (query.fromSeq !== undefined && segment.lastSeq < query.fromSeq) return false
  if (query.toSeq !== undefined && segment.firstSeq > query.toSeq) return false
  if (query.fromTimeMs !== undefined && segment.maxTimeMs < query.fromTimeMs) return false
  if (query.toTimeMs !== undefined && segment.minTimeMs > query.toTimeMs) return false
  const sources = segment.sources
  return query.sourceIds === undefined || sources === null || query.sourceIds.some((id) => sources.has(id))
}

class WindowReader {
  private readonly fromSeq: number
  private readonly toSeq: number

  constructor(
    private readonly dir: string,
    private readonly query: ReadQuery,
    private readonly stats: ReadStats,
    private readonly report: CorruptionReporter,
  ) {
    this.fromSeq = query.fromSeq ?? 0
    this.toSeq = query.toSeq ?? Number.MAX_SAFE_INTEGER
  }

  async *segment(view: SegmentView): AsyncGenerator<RecordBatch> {
    let handle: fs.FileHandle
    try {
      handle = await fs.open(path.join(this.dir, segmentFile(view.firstSeq)), 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      this.stats.segmentsMissing++
      return
    }
    this.stats.segmentsRead++
    try {
      const first = Math.max(lastAtMost(view.windowSeqs, view.windowCount, this.fromSeq), 0)
      const last = lastAtMost(view.windowSeqs, view.windowCount, this.toSeq)
      const ascending = this.query.order === 'asc'
      const fromTimeMs = this.query.fromTimeMs ?? Number.NEGATIVE_INFINITY
      const toTimeMs = this.query.toTimeMs ?? Number.POSITIVE_INFINITY
      for (let i = 0; i <= last - first; i++) {
        const index = ascending ? first + i : last - i
        // A window whose event times all fall outside the range is not read; its records would all be refused.
        if (view.windowMaxTimes[index]! < fromTimeMs || view.windowMinTimes[index]! > toTimeMs) {
          this.stats.windowsSkipped++
          continue
        }
        const batch = await this.window(handle, view, index)
        if (!ascending) {
          batch.seqs.reverse()
          batch.starts.reverse()
          batch.ends.reverse()
        }
        this.stats.records += batch.seqs.length
        if (batch.seqs.length > 0) yield batch
      }
    } finally {
      await handle.close()
    }
  }

  /** Reads window `index` of a segment and returns its records within the seq bounds, in seq order. */
  private async window(handle: fs.FileHandle, view: SegmentView, index: number): Promise<RecordBatch> {
    const start = view.windowOffsets[index]!
    const end = index + 1 < view.windowCount ? view.windowOffsets[index + 1]! : view.bytes
    const bytes = new Uint8Array(end - start)
    let filled = 0
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, start + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    this.stats.windowsRead++
    this.stats.bytesRead += filled
    const batch: RecordBatch = { bytes, seqs: [], starts: [], ends: [] }
    const { fromSeq, toSeq } = this
    const file = segmentFile(view.firstSeq)
    const scan = scanRecords(bytes, 0, filled, view.windowSeqs[index]! - 1, {
      record(seq, _start, payloadStart, payloadEnd) {
        if (seq < fromSeq || seq > toSeq) return
        batch.seqs.push(seq)
        batch.starts.push(payloadStart)
        batch.ends.push(payloadEnd)
      },
      corrupt: (from, to) => this.corrupt(file, start + from, to - from),
    })
    // Every byte up to the captured length was acknowledged, so trailing damage here is corruption too.
    if (scan.tailStart < bytes.length)
      this.corrupt(file, start + scan.tailStart, bytes.length - scan.tailStart)
    return batch
  }

  private corrupt(file: string, offset: number, bytes: number): void {
    this.stats.corruptRegions++
    this.report(file, offset, bytes)
  }
}

/** Index of the last of the first `count` ascending seqs that is at most `seq`, or -1. */
function lastAtMost(seqs: readonly number[], count: number, seq: number): number {
  let low = 0
  let high = count - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    if (seqs[middle]! <= seq) low = middle + 1
    else high = middle - 1
  }
  return high
}
