/**
 * One group: the batches the writer stores with one write (and, under the `always` policy, one
 * fdatasync), and the hot loop that encodes them. Kept apart from the writer's control flow so the
 * part that runs once per record can be read, and measured, on its own.
 */

import { AppError, assert } from '../errors.ts'
import { encodeRecord, RECORD_HEADER_BYTES, RECORD_PAYLOAD_BYTES_MAX, type RecordBuffer } from './record.ts'
import type { SegmentGrowth } from './segment.ts'
import { TIME_MS_MAX, TIME_MS_MIN, WINDOW_BYTES } from './segment.ts'

export interface AppendRecord {
  payload: Uint8Array
  eventTimeMs: number
  sourceId: string
}

export interface AppendResult {
  firstSeq: number
  lastSeq: number
}

/**
 * The most bytes one group writes. Large enough that a write and fdatasync carry hundreds of batches,
 * small enough that encoding, writing and syncing consecutive groups overlap (see writer.ts).
 */
export const GROUP_BYTES_MAX = 1024 * 1024

export interface Batch {
  records: readonly AppendRecord[]
  bytes: number
  firstSeq: number
  lastSeq: number
  resolve: (result: AppendResult) => void
  reject: (error: Error) => void
}

/** Where the next group goes: file offset, first seq, and the offset at which the next window may begin. */
export interface Cursor {
  tail: number
  nextSeq: number
  windowNextAt: number
}

export interface Group {
  batches: Batch[]
  bytes: number
  buffer: RecordBuffer
  /** The cursor before and after this group: where it starts, and what is committed once it is acknowledged. */
  before: Cursor
  after: Cursor
  growth: SegmentGrowth
}

/**
 * The bytes a batch takes on disk, or the error that refuses it. An event time outside what a Date can
 * hold is a bug in the caller (classification computes it), so it fails an assertion.
 */
export function batchBytes(records: readonly AppendRecord[]): number | AppError {
  let bytes = 0
  for (const record of records) {
    const time = record.eventTimeMs
    assert(Number.isSafeInteger(time) && time >= TIME_MS_MIN && time <= TIME_MS_MAX, 'eventTimeMs is ms')
    if (record.payload.length > RECORD_PAYLOAD_BYTES_MAX) {
      return new AppError('PAYLOAD_TOO_LARGE', 'event is larger than the log accepts')
    }
    bytes += RECORD_HEADER_BYTES + record.payload.length
  }
  return bytes
}

/** Encodes whole batches into `out` from `cursor`, advancing it; this is the append hot loop. */
export function encodeBatches(batches: Batch[], out: RecordBuffer, cursor: Cursor): SegmentGrowth {
  const growth: SegmentGrowth = {
    bytes: 0,
    count: 0,
    lastSeq: 0,
    minTimeMs: TIME_MS_MAX,
    maxTimeMs: TIME_MS_MIN,
    sourceIds: new Set(),
    windowOffsets: [],
    windowSeqs: [],
    windowMinTimes: [],
    windowMaxTimes: [],
    headMinTimeMs: TIME_MS_MAX,
    headMaxTimeMs: TIME_MS_MIN,
  }
  /** The window of growth's lists being filled; -1 while records still go into the segment's last one. */
  let window = -1
  let at = 0
  let seq = cursor.nextSeq
  let lastSource: string | undefined
  for (const batch of batches) {
    const records = batch.records
    const last = records.length - 1
    batch.firstSeq = seq
    for (let i = 0; i <= last; i++) {
      const record = records[i]!
      if (cursor.tail + at >= cursor.windowNextAt) {
        growth.windowOffsets.push(cursor.tail + at)
        growth.windowSeqs.push(seq)
        growth.windowMinTimes.push(TIME_MS_MAX)
        growth.windowMaxTimes.push(TIME_MS_MIN)
        window++
        cursor.windowNextAt = cursor.tail + at + WINDOW_BYTES
      }
      at = encodeRecord(out, at, seq, record.payload, i !== last)
      const time = record.eventTimeMs
      if (time < growth.minTimeMs) growth.minTimeMs = time
      if (time > growth.maxTimeMs) growth.maxTimeMs = time
      if (window < 0) {
        if (time < growth.headMinTimeMs) growth.headMinTimeMs = time
        if (time > growth.headMaxTimeMs) growth.headMaxTimeMs = time
      } else {
        if (time < growth.windowMinTimes[window]!) growth.windowMinTimes[window] = time
        if (time > growth.windowMaxTimes[window]!) growth.windowMaxTimes[window] = time
      }
      if (record.sourceId !== lastSource) {
        lastSource = record.sourceId
        growth.sourceIds.add(lastSource)
      }
      seq++
    }
    batch.lastSeq = seq - 1
  }
  growth.bytes = at
  growth.count = seq - cursor.nextSeq
  growth.lastSeq = seq - 1
  cursor.tail += at
  cursor.nextSeq = seq
  return growth
}
