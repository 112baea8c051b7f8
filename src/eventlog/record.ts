/**
 * The event log's record format. This comment is the specification; `test/eventlog/record.test.ts`
 * checks it byte by byte.
 *
 * A segment file (`<firstSeq as 20 decimal digits>.seg`) is a plain sequence of records with no file
 * header. Every integer is little-endian:
 *
 *     offset  size  field
 *     0       4     len      bits 0-30: payload length in bytes, at most RECORD_PAYLOAD_BYTES_MAX
 *                            bit 31:    "batch continues": set on every record of one append batch
 *                                       except the last, clear on the last (and on single-record batches)
 *     4       4     crc      CRC-32C (Castagnoli) of bytes [8, 16 + payload length): the seq and the payload
 *     8       8     seq      unsigned sequence number, below 2^53, strictly increasing through the whole
 *                            log and across restarts; the first record of a segment carries the seq
 *                            in the segment's file name
 *     16      len   payload  the stored event: opaque bytes (JSON), never parsed by the log
 *
 * A record is valid when it lies wholly inside the segment, its length is within the limit, its crc
 * matches and its seq is greater than the seq of the valid record before it. The crc does not cover the
 * len word, as the format fixes; a damaged length is still caught because the crc is then computed over
 * the wrong bytes.
 *
 * The batch bit makes an append batch atomic across a crash: on open, the active segment is truncated
 * after the last record before its first invalid byte whose batch bit is clear, so a batch is either
 * wholly present or wholly absent. Readers ignore the bit, since they only read what the writer has
 * acknowledged.
 *
 * Anything that is not a valid record is corruption. A reader skips it by scanning forward one byte at
 * a time for the next valid record whose seq is plausible (see RESYNC_SEQ_SLACK), reports the skipped
 * range, and carries on. Recovery does not skip in the active segment: it truncates at the first invalid
 * byte. The end of that segment may hold writes that were never synced, and a power loss keeps any subset
 * of those, so valid records after a hole there were never acknowledged, and keeping them could show the
 * end of a batch whose start was lost. A sealed segment was synced whole before it was sealed, so
 * corruption inside it is damage: it is skipped on read, and only a torn tail is truncated.
 */
import { crc32c, wordsOf } from './crc32c.ts'

export const RECORD_HEADER_BYTES = 16

/**
 * The largest payload a record may carry. Events come from requests of at most 1 MiB, decompressed to
 * at most 64 MiB, so one event can never be larger; the limit also stops a damaged length field from
 * making a reader allocate gigabytes.
 */
export const RECORD_PAYLOAD_BYTES_MAX = 64 * 1024 * 1024

const BATCH_CONTINUES = 0x80000000
const LENGTH_MASK = 0x7fffffff
const TWO_POW_32 = 0x100000000
/** Seqs stay below 2^53 so they are exact JavaScript numbers; the high word therefore stays below 2^21. */
const SEQ_HIGH_WORD_LIMIT = 0x200000

/**
 * While resynchronising, a candidate record is believed only if its seq is at most this far beyond the
 * last good seq (plus one per skipped byte). Seqs inside a segment are dense, so a real record is always
 * within reach, while random bytes pass this test with a probability near 2^-40 before the crc is even
 * computed: resync stays fast and false matches stay negligible.
 */
const RESYNC_SEQ_SLACK = 1 << 24

/** Bytes a record with this payload length occupies on disk. */
export const recordBytes = (payloadBytes: number) => RECORD_HEADER_BYTES + payloadBytes

/** A buffer and the two other views of its memory that encoding needs, made once per buffer. */
export interface RecordBuffer {
  bytes: Uint8Array
  view: DataView
  words: Int32Array
}

export function recordBuffer(bytes: Uint8Array): RecordBuffer {
  return {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    words: wordsOf(bytes),
  }
}

/**
 * Writes one record at `at` into `out` and returns the offset just past it. The caller guarantees the
 * space; this is the writer's hot loop, so it does not check.
 */
export function encodeRecord(
  out: RecordBuffer,
  at: number,
  seq: number,
  payload: Uint8Array,
  batchContinues: boolean,
): number {
  const { bytes, view } = out
  const length = payload.length
  const payloadAt = at + RECORD_HEADER_BYTES
  view.setUint32(at, batchContinues ? (length | BATCH_CONTINUES) >>> 0 : length, true)
  view.setUint32(at + 8, seq >>> 0, true)
  view.setUint32(at + 12, Math.floor(seq / TWO_POW_32), true)
  bytes.set(payload, payloadAt)
  view.setUint32(at + 4, crc32c(bytes, at + 8, payloadAt + length, 0, out.words), true)
  return payloadAt + length
}

/** Receives what `scanRecords` finds, in file order. */
export interface RecordVisitor {
  /** A valid record starting at `start`, its payload at `[payloadStart, payloadEnd)`. */
  record(seq: number, start: number, payloadStart: number, payloadEnd: number, batchEnds: boolean): void
  /** `[start, end)` holds no valid record and was skipped; valid records follow it. */
  corrupt(start: number, end: number): void
}

export interface ScanResult {
  /** Offset just past the last valid record, or the scan's start when there was none. */
  validEnd: number
  /** Seq of the last valid record, or the `prevSeq` passed in. */
  validSeq: number
  /** Offset just past the last valid record that ends a batch: where recovery may truncate. */
  committedEnd: number
  committedSeq: number
  /** Where trailing bytes with no valid record after them begin; equals the scan's end when none. */
  tailStart: number
}

/**
 * Walks the records in `bytes[start, end)`, the seq before the first being `prevSeq`, calling `visitor`
 * for each valid record and each corrupt range followed by a valid record. Trailing invalid bytes are
 * not reported to the visitor but returned as `tailStart`, because whether they are a torn write (truncate)
 * or damage (report) depends on where they are, which only the caller knows. With `skipCorruption` false
 * the first invalid byte starts the tail, as recovery of the active segment needs (see the file comment).
 */
export function scanRecords(
  bytes: Uint8Array,
  start: number,
  end: number,
  prevSeq: number,
  visitor: RecordVisitor,
  skipCorruption = true,
): ScanResult {
  const buffer = recordBuffer(bytes)
  const result: ScanResult = {
    validEnd: start,
    validSeq: prevSeq,
    committedEnd: start,
    committedSeq: prevSeq,
    tailStart: end,
  }
  let at = start
  while (at < end) {
    let next = validRecordEnd(buffer, at, end, result.validSeq, Number.MAX_SAFE_INTEGER)
    if (next < 0) {
      const found = skipCorruption ? resync(buffer, at, end, result.validSeq) : -1
      if (found < 0) {
        result.tailStart = at
        break
      }
      visitor.corrupt(at, found)
      at = found
      next = validRecordEnd(buffer, at, end, result.validSeq, Number.MAX_SAFE_INTEGER)
    }
    const seq = readSeq(buffer.view, at + 8)
    const batchEnds = (buffer.view.getUint32(at, true) & BATCH_CONTINUES) === 0
    visitor.record(seq, at, at + RECORD_HEADER_BYTES, next, batchEnds)
    result.validEnd = next
    result.validSeq = seq
    if (batchEnds) {
      result.committedEnd = next
      result.committedSeq = seq
    }
    at = next
  }
  return result
}

/** Finds the first offset after `badAt` where a plausible valid record starts, or -1. */
function resync(buffer: RecordBuffer, badAt: number, end: number, prevSeq: number): number {
  for (let at = badAt + 1; at + RECORD_HEADER_BYTES <= end; at++) {
    const seqMax = prevSeq + RESYNC_SEQ_SLACK + (at - badAt)
    if (validRecordEnd(buffer, at, end, prevSeq, seqMax) >= 0) return at
  }
  return -1
}

/** Returns the end of the valid record at `at`, or -1; the cheap checks run before the crc. */
function validRecordEnd(
  buffer: RecordBuffer,
  at: number,
  end: number,
  prevSeq: number,
  seqMax: number,
): number {
  if (at + RECORD_HEADER_BYTES > end) return -1
  const { bytes, view } = buffer
  const length = view.getUint32(at, true) & LENGTH_MASK
  if (length > RECORD_PAYLOAD_BYTES_MAX) return -1
  const next = at + RECORD_HEADER_BYTES + length
  if (next > end) return -1
  const seq = readSeq(view, at + 8)
  if (!(seq > prevSeq && seq <= seqMax)) return -1
  return crc32c(bytes, at + 8, next, 0, buffer.words) === view.getUint32(at + 4, true) ? next : -1
}

/** Reads a u64 seq; a value of 2^53 or more reads as -1, which no validity check accepts. */
function readSeq(view: DataView, at: number): number {
  const high = view.getUint32(at + 4, true)
  if (high >= SEQ_HIGH_WORD_LIMIT) return -1
  return high * TWO_POW_32 + view.getUint32(at, true)
}
