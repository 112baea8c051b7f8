/**
 * The event log: Inlet's durable, append-only store of accepted events.
 *
 * Everything outside `eventlog/` uses it only through `EventLog`, so another backend can stand in for
 * it. The pieces: `record.ts` (the on-disk format, specified in its header) and `crc32c.ts`, `segment.ts`
 * (segment files and their summaries), `recovery.ts` (opening), `writer.ts`, `group.ts` and `commit.ts`
 * (the group-commit pipeline) over `file-ops.ts`, `reader.ts` (reads), `retention.ts` (old segments).
 *
 * Seqs are JavaScript numbers rather than bigints: they are exact up to 2^53, which at a million events
 * a second lasts 285 years, while numbers cost nothing to compare, serialise to JSON as they are and are
 * what the rest of the code (and Panther's API) already uses for counts and offsets.
 */
import * as path from 'node:path'
import { assert } from '../errors.ts'
import type { HistogramSnapshot } from '../histogram.ts'
import type { Logger } from '../logger.ts'
import type { EventLogHealth } from './commit.ts'
import { type FileOps, nodeFileOps } from './file-ops.ts'
import type { AppendRecord, AppendResult } from './group.ts'
import { type LogCursor, openCursor, type ReadQuery } from './reader.ts'
import { recoverLog } from './recovery.ts'
import { Retention, type RetentionResult } from './retention.ts'
import { type SegmentSummary, segmentFile, summarize } from './segment.ts'
import { GroupWriter, type WriterStats } from './writer.ts'

export type { EventLogHealth } from './commit.ts'
export type { FileOps } from './file-ops.ts'
export { LogOverloadedError, LogUnavailableError } from './file-ops.ts'
export type { AppendRecord, AppendResult } from './group.ts'
export type { LogCursor, ReadQuery, ReadStats, RecordBatch, StoredRecord } from './reader.ts'
export type { RetentionResult } from './retention.ts'
export type { SegmentSummary } from './segment.ts'

export interface EventLogOptions {
  /** Directory holding the segments, normally `<data-dir>/log`. */
  dir: string
  segmentBytesMax: number
  fsync: 'always' | 'interval'
  fsyncIntervalMs: number
  queueBytesMax: number
  /** 0 keeps segments forever. */
  retentionAgeMs: number
  /** 0 sets no cap. */
  retentionBytesMax: number
  retentionCheckIntervalMs: number
}

export const EVENTLOG_DEFAULTS: Omit<EventLogOptions, 'dir'> = {
  /** 64 MiB: a segment is the unit of pruning, retention and startup scan (of the active one only). */
  segmentBytesMax: 64 * 1024 * 1024,
  /** An append resolves only once its batch is on disk, as the ingest contract promises senders. */
  fsync: 'always',
  /** Under `interval`, at most this much acknowledged data is lost in a power failure. */
  fsyncIntervalMs: 500,
  /** 64 MiB waiting to become durable; past it appends fail with LOG_OVERLOADED (503) at once. */
  queueBytesMax: 64 * 1024 * 1024,
  /** 30 days: a month of history for investigations, on a disk that stays bounded. */
  retentionAgeMs: 30 * 24 * 60 * 60 * 1000,
  /** No size cap by default, as the disk size is unknown; operators set it below the volume's size. */
  retentionBytesMax: 0,
  /** Retention runs once a minute; deleting a 64 MiB segment a little late costs nothing. */
  retentionCheckIntervalMs: 60 * 1000,
}

/** The writer's counters, with its histograms as snapshots: plain data, safe to keep or serialise. */
export interface EventLogStats extends Omit<WriterStats, 'fsyncSeconds' | 'commitRecords'> {
  fsyncSeconds: HistogramSnapshot
  commitRecords: HistogramSnapshot
  segments: number
  bytes: number
  /** Seq of the last acknowledged record; 0 for a log that never held one. */
  lastSeq: number
  fsyncMsMean: number
  /** Damaged ranges reads have skipped since open. */
  corruptRegions: number
}

export interface EventLog {
  /** Stores a batch atomically; resolves with its seqs once it is durable (per the fsync policy). */
  append(batch: readonly AppendRecord[]): Promise<AppendResult>
  read(query: ReadQuery): LogCursor
  segments(): SegmentSummary[]
  stats(): EventLogStats
  /** Bytes appended but not yet durable (what `queueBytesMax` bounds); cheap enough to ask per request. */
  queuedBytes(): number
  /** Applies the retention policy now, as the background timer does. */
  retain(): Promise<RetentionResult>
  /** Refuses new appends, waits for queued ones to become durable, stops the timers. */
  close(): Promise<void>
}

export interface EventLogDeps {
  logger: Logger
  /** Wall clock in ms, for seal times and retention; tests pass a fake. */
  clock?: () => number
  /** Overrides of the log's file operations, for tests that inject write errors or power loss. */
  fileOps?: Partial<FileOps>
  /**
   * Told once when writes start failing (a write or fdatasync error) and once when they succeed again.
   * Whatever a hook throws is ignored: reporting must not break the log.
   */
  health?: EventLogHealth
}

/** Reports each damaged range once per process, however many reads cross it; bounded to stay small. */
const CORRUPTION_REPORTS_MAX = 1000

export async function openEventLog(options: EventLogOptions, deps: EventLogDeps): Promise<EventLog> {
  checkOptions(options)
  const { logger } = deps
  const clock = deps.clock ?? Date.now
  const ops: FileOps = { ...nodeFileOps, ...deps.fileOps }
  const segments = await recoverLog(options.dir, logger, ops)
  const fd = await ops.open(path.join(options.dir, segmentFile(segments.active.firstSeq)), 'r+')
  const writer = new GroupWriter(options, segments, fd, { logger, clock, ops, health: deps.health })
  const retention = new Retention(options.dir, segments, options, options.retentionCheckIntervalMs, {
    logger,
    clock,
    ops,
  })
  const reported = new Set<string>()
  let corruptRegions = 0
  const report = (segment: string, offset: number, bytes: number) => {
    corruptRegions++
    const key = `${segment}:${offset}`
    if (reported.has(key) || reported.size >= CORRUPTION_REPORTS_MAX) return
    reported.add(key)
    logger.warn('event log: corrupt bytes skipped while reading', { segment, offset, bytes })
  }
  let closed: Promise<void> | null = null
  const active = segments.active
  logger.info('event log opened', {
    dir: options.dir,
    segments: segments.all().length,
    lastSeq: active.lastSeq,
  })
  return {
    append: (batch) => writer.append(batch),
    read: (query) => openCursor(options.dir, segments.all(), query, report),
    segments: () => segments.all().map(summarize),
    stats: () => {
      const stats = writer.stats
      return {
        ...stats,
        fsyncSeconds: stats.fsyncSeconds.snapshot(),
        commitRecords: stats.commitRecords.snapshot(),
        segments: segments.all().length,
        bytes: segments.totalBytes(),
        lastSeq: writer.lastSeq,
        fsyncMsMean: stats.fsyncs > 0 ? stats.fsyncMsTotal / stats.fsyncs : 0,
        corruptRegions,
      }
    },
    queuedBytes: () => writer.stats.queueBytes,
    retain: () => retention.run(),
    close: () => {
      closed ??= retention.stop().then(() => writer.close())
      return closed
    },
  }
}

/** Options come from the validated config; a bad value here is a programmer's error. */
function checkOptions(options: EventLogOptions): void {
  const positive = [
    'segmentBytesMax',
    'fsyncIntervalMs',
    'queueBytesMax',
    'retentionCheckIntervalMs',
  ] as const
  for (const key of positive) assert(Number.isSafeInteger(options[key]) && options[key] > 0, `${key} > 0`)
  for (const key of ['retentionAgeMs', 'retentionBytesMax'] as const) {
    assert(Number.isSafeInteger(options[key]) && options[key] >= 0, `${key} >= 0`)
  }
  assert(options.fsync === 'always' || options.fsync === 'interval', 'fsync is always or interval')
  assert(options.dir.length > 0, 'dir is set')
}
