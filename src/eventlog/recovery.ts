/**
 * Opening the log directory: tidy up after any crash, load every sealed segment's summary from its
 * sidecar, and scan only the active (last) segment, truncating it at its first invalid byte.
 *
 * Nothing found on disk makes opening fail: a damaged sidecar is rebuilt from its segment, corruption
 * inside a sealed segment is reported and left for readers to skip, and the active segment is cut back
 * to its last whole batch before any invalid byte (record.ts says why). Only errors of the directory
 * itself (permissions, I/O) reject, because then no log can be served at all.
 *
 * A segment is read whole into memory while being scanned; that is at most `segmentBytesMax` (plus one
 * batch, which may overflow a segment) and happens only for the active segment or a damaged sidecar.
 */
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type { Logger } from '../logger.ts'
import type { FileOps } from './file-ops.ts'
import { type RecordVisitor, scanRecords } from './record.ts'
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

export async function recoverLog(dir: string, logger: Logger, ops: FileOps): Promise<SegmentList> {
  await makeDir(dir, ops)
  const names = await fs.readdir(dir)
  const firstSeqs = names
    .map(parseSegmentFile)
    .filter((seq): seq is number => seq !== null)
    .sort((a, b) => a - b)
  await dropEmptyTail(dir, firstSeqs, logger, ops)
  await removeLeftovers(dir, names, new Set(firstSeqs), logger, ops)
  if (firstSeqs.length === 0) {
    await ops.close(await createSegmentFile(dir, FIRST_SEQ, ops))
    return new SegmentList([emptySegment(FIRST_SEQ)])
  }
  const states: SegmentState[] = []
  const sealed = firstSeqs.slice(0, -1)
  for (let at = 0; at < sealed.length; at += SIDECAR_READS_PARALLEL) {
    const chunk = sealed.slice(at, at + SIDECAR_READS_PARALLEL)
    states.push(...(await Promise.all(chunk.map((firstSeq) => loadSealed(dir, firstSeq, logger, ops)))))
  }
  states.push(await recoverActive(dir, firstSeqs[firstSeqs.length - 1]!, logger, ops))
  for (let i = 1; i < states.length; i++) {
    if (states[i]!.firstSeq <= states[i - 1]!.lastSeq) {
      logger.warn('event log: segments overlap in seq', { segment: segmentFile(states[i]!.firstSeq) })
    }
  }
  return new SegmentList(states)
}

/**
 * Creates the log directory if needed, durably. A directory's entry lives in its parent, and until the
 * parent is synced a power loss can take the new directory away with every segment in it, acknowledged
 * records included. The parent is synced at every open, not only after a creation, so a crash between
 * an earlier creation and its sync is covered too; each directory created above it is synced likewise.
 */
async function makeDir(dir: string, ops: FileOps): Promise<void> {
  const top = (await ops.mkdir(dir)) ?? dir
  for (let at = dir; at !== path.dirname(at); at = path.dirname(at)) {
    await ops.syncDir(path.dirname(at))
    if (at === top) break
  }
}

/**
 * Removes empty segments from the end of the log (popping them off `firstSeqs`), so that the active
 * segment is the last one holding records. A roll creates the next segment before writing to it, and a
 * roll that fails after creating it (its directory sync failed) leaves the file behind while the writer
 * goes on in the segment before, under the very seqs the empty file is named by: taken as the active
 * segment, it would hand those seqs out again. An empty segment left by a roll that succeeded holds
 * nothing, so dropping it costs nothing; the next roll creates it again. A lone empty segment is a new log.
 */
async function dropEmptyTail(dir: string, firstSeqs: number[], logger: Logger, ops: FileOps): Promise<void> {
  while (firstSeqs.length > 1) {
    const file = path.join(dir, segmentFile(firstSeqs[firstSeqs.length - 1]!))
    if ((await fs.stat(file)).size > 0) return
    logger.info('event log: removed an empty segment left by a roll', { segment: path.basename(file) })
    await ops.remove(file)
    firstSeqs.pop()
  }
}

/**
 * Removes what an interrupted deletion or sidecar write leaves behind: renamed-for-deletion segments,
 * temporary sidecars, and sidecars whose segment is gone.
 */
async function removeLeftovers(
  dir: string,
  names: string[],
  segments: Set<number>,
  logger: Logger,
  ops: FileOps,
) {
  const leftovers = names.filter((name) => {
    if (name.endsWith('.seg.del') || name.endsWith('.sum.tmp')) return true
    const sidecar = /^(\d{20})\.sum$/.exec(name)
    return sidecar !== null && !segments.has(Number(sidecar[1]))
  })
  for (const name of leftovers) await ops.remove(path.join(dir, name))
  if (leftovers.length > 0)
    logger.info('event log: removed leftovers of an interrupted operation', { leftovers })
}

/** A sealed segment's summary from its sidecar, or rebuilt from the segment when the sidecar cannot be trusted. */
async function loadSealed(
  dir: string,
  firstSeq: number,
  logger: Logger,
  ops: FileOps,
): Promise<SegmentState> {
  const file = path.join(dir, segmentFile(firstSeq))
  const [summary, stat] = await Promise.all([readSidecar(dir, firstSeq), fs.stat(file)])
  if (summary && summary.bytes === stat.size) {
    // A sidecar written at a clean close describes the segment exactly but has no seal time yet.
    summary.sealedAtMs ??= stat.mtimeMs
    return summary
  }
  logger.warn('event log: rebuilding a segment summary', { segment: segmentFile(firstSeq) })
  const bytes = await fs.readFile(file)
  const { state, scan } = scanSegment(bytes, firstSeq, logger, true)
  state.bytes = scan.validEnd
  state.lastSeq = scan.validSeq
  await cutTail(file, bytes.length, scan.validEnd, logger, ops)
  forgetMetadata(state)
  state.sealedAtMs = stat.mtimeMs
  try {
    await writeSidecar(dir, state, ops)
  } catch (error) {
    logger.warn('event log: could not write a segment summary', { error: String(error) })
  }
  return state
}

/**
 * Scans the active segment and truncates it after its last whole batch before the first invalid byte:
 * after a power loss, what follows a hole there was never acknowledged (see record.ts). Its event times
 * and sources are taken from the sidecar written at the last clean close when that describes exactly
 * these records; otherwise they are unknown, and the segment simply matches every time and source filter.
 */
async function recoverActive(
  dir: string,
  firstSeq: number,
  logger: Logger,
  ops: FileOps,
): Promise<SegmentState> {
  const file = path.join(dir, segmentFile(firstSeq))
  const [bytes, hint] = await Promise.all([fs.readFile(file), readSidecar(dir, firstSeq)])
  const { state, scan, committedCount } = scanSegment(bytes, firstSeq, logger, false)
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
  await cutTail(file, bytes.length, scan.committedEnd, logger, ops)
  const exact = hint && hint.bytes === state.bytes && hint.lastSeq === state.lastSeq
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
async function cutTail(file: string, size: number, end: number, logger: Logger, ops: FileOps) {
  if (end >= size) return
  logger.warn('event log: truncated a torn or corrupt tail', {
    segment: path.basename(file),
    offset: end,
    bytes: size - end,
  })
  const fd = await ops.open(file, 'r+')
  try {
    await ops.ftruncate(fd, end)
    await ops.fdatasync(fd)
  } finally {
    await ops.close(fd)
  }
}

/**
 * Builds a summary (without event times or sources, which the records do not hold) by scanning a segment;
 * with `skipCorruption` false the scan ends at the first invalid byte.
 */
function scanSegment(bytes: Uint8Array, firstSeq: number, logger: Logger, skipCorruption: boolean) {
  const state = emptySegment(firstSeq)
  let windowNextAt = 0
  let committedCount = 0
  const visitor: RecordVisitor = {
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
      logger.warn('event log: corrupt bytes inside a segment, skipped', {
        segment: segmentFile(firstSeq),
        offset: start,
        bytes: end - start,
      })
    },
  }
  const scan = scanRecords(bytes, 0, bytes.length, firstSeq - 1, visitor, skipCorruption)
  return { state, scan, committedCount }
}
