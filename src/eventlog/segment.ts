/**
 * Segments: the files the log is cut into, and the summary kept for each.
 *
 * A segment is `<firstSeq>.seg` (20 digits, so names sort by seq). When the writer seals it, it writes a
 * sidecar `<firstSeq>.sum` holding the segment's summary as JSON: seq range, count, byte length, event
 * time range, source ids and the window index. Startup reads sidecars instead of segments, and search
 * skips segments whose summary cannot match, so neither has to scan the whole log.
 *
 * The window index lists, about every WINDOW_BYTES, the offset and seq of a record. A reader seeks to the
 * window holding a seq, and reads newest-first one window at a time, so its memory stays near one window.
 *
 * Deleting a segment renames it to `<firstSeq>.seg.del` first: one atomic step after which the segment no
 * longer exists for startup. The sidecar and the renamed file are removed afterwards, and startup removes
 * any such leftovers, so a crash at any moment of a deletion leaves a log that opens.
 */
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { type FileOps, writeAll } from './file-ops.ts'

/** A reader's unit of I/O, and the spacing of the window index. */
export const WINDOW_BYTES = 1024 * 1024

/**
 * At most this many distinct source ids are listed in a summary; a segment with more lists none
 * (`sourceIds: null`) and is read for every source filter. It keeps sidecars small whatever arrives.
 */
export const SOURCE_IDS_MAX = 1024

/**
 * The widest time range a JavaScript Date can hold. A summary whose event times are unknown (rebuilt
 * from the segment, where payloads are opaque) uses it, so it matches every time filter. An empty
 * summary holds the inverted range, which matches none and is the identity for min/max.
 */
export const TIME_MS_MIN = -8.64e15
export const TIME_MS_MAX = 8.64e15

/** What search and operators see of a segment. */
export interface SegmentSummary {
  readonly file: string
  readonly firstSeq: number
  /** `firstSeq - 1` while the segment is empty. */
  readonly lastSeq: number
  readonly count: number
  readonly bytes: number
  /** Range of the appenders' `eventTimeMs`; [TIME_MS_MIN, TIME_MS_MAX] when unknown. */
  readonly minTimeMs: number
  readonly maxTimeMs: number
  /** Distinct source ids, sorted; null when unknown or more than SOURCE_IDS_MAX. */
  readonly sourceIds: readonly string[] | null
  /** Clock time at which the segment was sealed; null for the active segment. */
  readonly sealedAtMs: number | null
}

/** A segment's summary as the log keeps it in memory, growing while the segment is active. */
export interface SegmentState {
  firstSeq: number
  lastSeq: number
  count: number
  bytes: number
  minTimeMs: number
  maxTimeMs: number
  sources: Set<string> | null
  sealedAtMs: number | null
  windowOffsets: number[]
  windowSeqs: number[]
  /** Each window's range of event times ([TIME_MS_MIN, TIME_MS_MAX] when unknown), so reads skip windows too. */
  windowMinTimes: number[]
  windowMaxTimes: number[]
}

/** What one written group adds to the active segment. */
export interface SegmentGrowth {
  bytes: number
  count: number
  lastSeq: number
  minTimeMs: number
  maxTimeMs: number
  sourceIds: Set<string>
  windowOffsets: number[]
  windowSeqs: number[]
  windowMinTimes: number[]
  windowMaxTimes: number[]
  /** Event times of the group's records that went on into the segment's last window, before a new one began. */
  headMinTimeMs: number
  headMaxTimeMs: number
}

const SEGMENT_NAME = /^(\d{20})\.seg$/
const SIDECAR_VERSION = 1

export const segmentFile = (firstSeq: number) => `${String(firstSeq).padStart(20, '0')}.seg`
export const sidecarFile = (firstSeq: number) => `${String(firstSeq).padStart(20, '0')}.sum`

/** The first seq named by a segment file name, or null for any other file. */
export function parseSegmentFile(name: string): number | null {
  const match = SEGMENT_NAME.exec(name)
  return match ? Number(match[1]) : null
}

export function emptySegment(firstSeq: number): SegmentState {
  return {
    firstSeq,
    lastSeq: firstSeq - 1,
    count: 0,
    bytes: 0,
    minTimeMs: TIME_MS_MAX,
    maxTimeMs: TIME_MS_MIN,
    sources: new Set(),
    sealedAtMs: null,
    windowOffsets: [],
    windowSeqs: [],
    windowMinTimes: [],
    windowMaxTimes: [],
  }
}

/** Marks a summary's times and sources unknown, after records were found whose metadata is lost. */
export function forgetMetadata(state: SegmentState): void {
  state.minTimeMs = TIME_MS_MIN
  state.maxTimeMs = TIME_MS_MAX
  state.sources = null
  state.windowMinTimes = state.windowOffsets.map(() => TIME_MS_MIN)
  state.windowMaxTimes = state.windowOffsets.map(() => TIME_MS_MAX)
}

export function grow(state: SegmentState, growth: SegmentGrowth): void {
  state.bytes += growth.bytes
  state.count += growth.count
  state.lastSeq = growth.lastSeq
  state.minTimeMs = Math.min(state.minTimeMs, growth.minTimeMs)
  state.maxTimeMs = Math.max(state.maxTimeMs, growth.maxTimeMs)
  const sources = state.sources
  if (sources) {
    for (const id of growth.sourceIds) sources.add(id)
    if (sources.size > SOURCE_IDS_MAX) state.sources = null
  }
  const last = state.windowOffsets.length - 1
  if (last >= 0) {
    state.windowMinTimes[last] = Math.min(state.windowMinTimes[last]!, growth.headMinTimeMs)
    state.windowMaxTimes[last] = Math.max(state.windowMaxTimes[last]!, growth.headMaxTimeMs)
  }
  for (let i = 0; i < growth.windowOffsets.length; i++) {
    state.windowOffsets.push(growth.windowOffsets[i]!)
    state.windowSeqs.push(growth.windowSeqs[i]!)
    state.windowMinTimes.push(growth.windowMinTimes[i]!)
    state.windowMaxTimes.push(growth.windowMaxTimes[i]!)
  }
}

export function summarize(state: SegmentState): SegmentSummary {
  return {
    file: segmentFile(state.firstSeq),
    firstSeq: state.firstSeq,
    lastSeq: state.lastSeq,
    count: state.count,
    bytes: state.bytes,
    minTimeMs: state.minTimeMs,
    maxTimeMs: state.maxTimeMs,
    sourceIds: state.sources ? [...state.sources].sort() : null,
    sealedAtMs: state.sealedAtMs,
  }
}

/** Writes the sidecar atomically: a temporary file, flushed, renamed over the old one, directory flushed. */
export async function writeSidecar(dir: string, state: SegmentState, ops: FileOps): Promise<void> {
  const { file: _file, ...summary } = summarize(state)
  const windows = state.windowOffsets.map((offset, i) => [
    offset,
    state.windowSeqs[i],
    state.windowMinTimes[i],
    state.windowMaxTimes[i],
  ])
  const text = new TextEncoder().encode(JSON.stringify({ version: SIDECAR_VERSION, ...summary, windows }))
  const target = path.join(dir, sidecarFile(state.firstSeq))
  const temporary = `${target}.tmp`
  const fd = await ops.open(temporary, 'w')
  try {
    await writeAll(ops, fd, text, text.length, 0)
    await ops.fdatasync(fd)
  } finally {
    await ops.close(fd)
  }
  await ops.rename(temporary, target)
  await ops.syncDir(dir)
}

/**
 * Reads a sidecar back; returns null when it is missing, unreadable or not a consistent summary of a
 * segment starting at `firstSeq`, in which case the caller rebuilds the summary from the segment itself.
 */
export async function readSidecar(dir: string, firstSeq: number): Promise<SegmentState | null> {
  let value: unknown
  try {
    value = JSON.parse(await fs.readFile(path.join(dir, sidecarFile(firstSeq)), 'utf8'))
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  const integers = [v.firstSeq, v.lastSeq, v.count, v.bytes, v.minTimeMs, v.maxTimeMs]
  if (v.version !== SIDECAR_VERSION || !integers.every(Number.isSafeInteger)) return null
  if (v.firstSeq !== firstSeq || (v.lastSeq as number) < firstSeq - 1) return null
  const sourcesOk = v.sourceIds === null || (Array.isArray(v.sourceIds) && v.sourceIds.every(isString))
  const sealedOk = v.sealedAtMs === null || Number.isFinite(v.sealedAtMs)
  if (!sourcesOk || !sealedOk || !Array.isArray(v.windows)) return null
  const windows = v.windows as unknown[]
  // [offset, seq, minTimeMs, maxTimeMs]; sidecars written before windows had times hold the first two.
  const wellFormed = (w: unknown) =>
    Array.isArray(w) && (w.length === 2 || w.length === 4) && w.every(Number.isSafeInteger)
  if (!windows.every(wellFormed)) return null
  // Records without a window index could never be read.
  if ((v.count as number) > 0 && windows.length === 0) return null
  const entries = windows as number[][]
  return {
    firstSeq,
    lastSeq: v.lastSeq as number,
    count: v.count as number,
    bytes: v.bytes as number,
    minTimeMs: v.minTimeMs as number,
    maxTimeMs: v.maxTimeMs as number,
    sources: v.sourceIds === null ? null : new Set(v.sourceIds as string[]),
    sealedAtMs: v.sealedAtMs as number | null,
    windowOffsets: entries.map((w) => w[0]!),
    windowSeqs: entries.map((w) => w[1]!),
    windowMinTimes: entries.map((w) => w[2] ?? TIME_MS_MIN),
    windowMaxTimes: entries.map((w) => w[3] ?? TIME_MS_MAX),
  }
}

const isString = (x: unknown): x is string => typeof x === 'string'

/** Deletes a sealed segment so that a crash at any step leaves a log that opens (see the file comment). */
export async function deleteSegmentFiles(dir: string, firstSeq: number, ops: FileOps): Promise<void> {
  const segment = path.join(dir, segmentFile(firstSeq))
  const doomed = `${segment}.del`
  await ops.rename(segment, doomed)
  await ops.remove(path.join(dir, sidecarFile(firstSeq)))
  await ops.remove(doomed)
}

/**
 * Creates the segment file that starts at `firstSeq`, durably (the directory is flushed), and returns its
 * descriptor from `ops`. Truncating an existing file is safe: a file of that name can only hold seqs from
 * `firstSeq` on, and the writer creates it only when every seq below has been acknowledged.
 */
export async function createSegmentFile(dir: string, firstSeq: number, ops: FileOps): Promise<number> {
  const fd = await ops.open(path.join(dir, segmentFile(firstSeq)), 'w')
  try {
    await ops.syncDir(dir)
  } catch (error) {
    await ops.close(fd).catch(() => {})
    throw error
  }
  return fd
}

/** The log's segments in seq order; the last one is the active segment and is never deleted. */
export class SegmentList {
  constructor(private readonly items: SegmentState[]) {}

  get active(): SegmentState {
    return this.items[this.items.length - 1]!
  }

  /** Sealed segments, oldest first. */
  sealed(): SegmentState[] {
    return this.items.slice(0, -1)
  }

  all(): readonly SegmentState[] {
    return this.items
  }

  push(state: SegmentState): void {
    this.items.push(state)
  }

  remove(state: SegmentState): void {
    const at = this.items.indexOf(state)
    if (at >= 0 && at < this.items.length - 1) this.items.splice(at, 1)
  }

  totalBytes(): number {
    let total = 0
    for (const item of this.items) total += item.bytes
    return total
  }
}
