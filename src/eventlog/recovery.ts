/**
 * Opening the log directory: tidy up after any crash, load every sealed segment's summary from its
 * sidecar, and scan only the active (last) segment, truncating a torn tail.
 *
 * Nothing found on disk makes opening fail: a damaged sidecar is rebuilt from its segment, corruption
 * inside a segment is reported and left for readers to skip, and a torn tail is cut off. Only errors of
 * the directory itself (permissions, I/O) reject, because then no log can be served at all.
 *
 * A segment is read whole into memory while being scanned; that is at most `segmentBytesMax` (plus one
 * batch, which may overflow a segment) and happens only for the active segment or a damaged sidecar.
 */
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type { Logger } from '../logger.ts'
import { nodeFileOps } from './file-ops.ts'
import { type ScanResult, scanRecords } from './record.ts'
import {
  createSegmentFile,
  emptySegment,
  forgetMetadata,
  parseSegmentFile,
  readSidecar,
  SegmentList,
  type SegmentState,
  segmentFile,
  TIME_MS_MAX,
  TIME_MS_MIN,
  WINDOW_BYTES,
  writeSidecar,
} from './segment.ts'

/** Where a fresh log starts counting. Seq 0 is left unused so `lastSeq: 0` can mean "nothing yet". */
const FIRST_SEQ = 1

/** Sidecars are small, so startup reads this many at once; a 1 TiB log has about 16,000 of them. */
const SIDECAR_READS_PARALLEL = 64

export async function recoverLog(dir: string, logger: Logger): Promise<SegmentList> {
  await fs.mkdir(dir, { recursive: true })
  const names = await fs.readdir(dir)
  const firstSeqs = names
    .map(parseSegmentFile)
    .filter((seq): seq is number => seq !== null)
    .sort((a, b) => a - b)
  await removeLeftovers(dir, names, new Set(firstSeqs), logger)
  if (firstSeqs.length === 0) {
    await nodeFileOps.close(await createSegmentFile(dir, FIRST_SEQ, nodeFileOps))
    return new SegmentList([emptySegment(FIRST_SEQ)])
  }
  const states: SegmentState[] = []
  const sealed = firstSeqs.slice(0, -1)
  for (let at = 0; at < sealed.length; at += SIDECAR_READS_PARALLEL) {
    const chunk = sealed.slice(at, at + SIDECAR_READS_PARALLEL)
    states.push(...(await Promise.all(chunk.map((firstSeq) => loadSealed(dir, firstSeq, logger)))))
  }
  states.push(await recoverActive(dir, firstSeqs[firstSeqs.length - 1]!, logger))
  for (let i = 1; i < states.length; i++) {
    if (states[i]!.firstSeq <= states[i - 1]!.lastSeq) {
      logger.warn('event log: segments overlap in seq', { segment: segmentFile(states[i]!.firstSeq) })
    }
  }
  return new SegmentList(states)
}

/**
 * Removes what an interrupted deletion or sidecar write leaves behind: renamed-for-deletion segments,
 * temporary sidecars, and sidecars whose segment is gone.
 */
async function removeLeftovers(dir: string, names: string[], segments: Set<number>, logger: Logger) {
  const leftovers = names.filter((name) => {
    if (name.endsWith('.seg.del') || name.endsWith('.sum.tmp')) return true
    const sidecar = /^(\d{20})\.sum$/.exec(name)
    return sidecar !== null && !segments.has(Number(sidecar[1]))
  })
  for (const name of leftovers) await fs.rm(path.join(dir, name), { force: true })
  if (leftovers.length > 0)
    logger.info('event log: removed leftovers of an interrupted operation', { leftovers })
}

/** A sealed segment's summary from its sidecar, or rebuilt from the segment when the sidecar cannot be trusted. */
async function loadSealed(dir: string, firstSeq: number, logger: Logger): Promise<SegmentState> {
  const file = path.join(dir, segmentFile(firstSeq))
  const [summary, stat] = await Promise.all([readSidecar(dir, firstSeq), fs.stat(file)])
  if (summary && summary.bytes === stat.size) {
    // A sidecar written at a clean close describes the segment exactly but has no seal time yet.
    summary.sealedAtMs ??= stat.mtimeMs
    return summary
  }
  logger.warn('event log: rebuilding a segment summary', { segment: segmentFile(firstSeq) })
  const bytes = await fs.readFile(file)
  const { state, scan } = scanSegment(bytes, firstSeq, logger)
  state.bytes = scan.validEnd
  state.lastSeq = scan.validSeq
  await cutTail(file, bytes.length, scan.validEnd, logger)
  forgetMetadata(state)
  state.sealedAtMs = stat.mtimeMs
  try {
    await writeSidecar(dir, state)
  } catch (error) {
    logger.warn('event log: could not write a segment summary', { error: String(error) })
  }
  return state
}

/**
 * Scans the active segment and truncates it after its last whole batch. Its event times and sources
 * are taken from the sidecar written at the last clean close when that describes exactly these records;
 * otherwise they are unknown, and the segment simply matches every time and source filter.
 */
async function recoverActive(dir: string, firstSeq: number, logger: Logger): Promise<SegmentState> {
  const file = path.join(dir, segmentFile(firstSeq))
  const [bytes, hint] = await Promise.all([fs.readFile(file), readSidecar(dir, firstSeq)])
  const { state, scan, committedCount, corrupt } = scanSegment(bytes, firstSeq, logger)
  state.bytes = scan.committedEnd
  state.lastSeq = scan.committedSeq
  state.count = committedCount
  while (
    state.windowOffsets.length > 0 &&
    state.windowOffsets[state.windowOffsets.length - 1]! >= state.bytes
  ) {
    state.windowOffsets.pop()
    state.windowSeqs.pop()
    state.windowMinTimes.pop()
    state.windowMaxTimes.pop()
  }
  await cutTail(file, bytes.length, scan.committedEnd, logger)
  const exact = hint && !corrupt && hint.bytes === state.bytes && hint.lastSeq === state.lastSeq
  if (exact) {
    state.minTimeMs = hint.minTimeMs
    state.maxTimeMs = hint.maxTimeMs
    state.sources = hint.sources
    if (hint.windowOffsets.join() === state.windowOffsets.join()) {
      state.windowMinTimes = hint.windowMinTimes
      state.windowMaxTimes = hint.windowMaxTimes
    }
  } else if (state.count > 0) {
    forgetMetadata(state)
  }
  return state
}

/** Truncates a segment to `end`, reporting what was cut, and makes the truncation durable. */
async function cutTail(file: string, size: number, end: number, logger: Logger): Promise<void> {
  if (end >= size) return
  logger.warn('event log: truncated a torn or corrupt tail', {
    segment: path.basename(file),
    offset: end,
    bytes: size - end,
  })
  const handle = await fs.open(file, 'r+')
  try {
    await handle.truncate(end)
    await handle.datasync()
  } finally {
    await handle.close()
  }
}

/** Builds a summary (without event times or sources, which the records do not hold) by scanning a segment. */
function scanSegment(bytes: Uint8Array, firstSeq: number, logger: Logger) {
  const state = emptySegment(firstSeq)
  let windowNextAt = 0
  let committedCount = 0
  let corrupt = false
  const scan: ScanResult = scanRecords(bytes, 0, bytes.length, firstSeq - 1, {
    record(seq, start, _payloadStart, _payloadEnd, batchEnds) {
      if (start >= windowNextAt) {
        state.windowOffsets.push(start)
        state.windowSeqs.push(seq)
        // Payloads are opaque here, so a rebuilt window's event times are unknown.
        state.windowMinTimes.push(TIME_MS_MIN)
        state.windowMaxTimes.push(TIME_MS_MAX)
        windowNextAt = start + WINDOW_BYTES
      }
      state.count++
      if (batchEnds) committedCount = state.count
    },
    corrupt(start, end) {
      corrupt = true
      logger.warn('event log: corrupt bytes inside a segment, skipped', {
        segment: segmentFile(firstSeq),
        offset: start,
        bytes: end - start,
      })
    },
  })
  return { state, scan, committedCount, corrupt }
}
