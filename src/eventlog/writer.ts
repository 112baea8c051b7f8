/**
 * The group-commit writer: the only code that writes segment files.
 *
 * Appends queue up, and a pipeline of three stages stores them, each stage working on a different group
 * at the same time:
 *
 *   1. encode (here): take as many queued batches as fit in a group (GROUP_BYTES_MAX) and encode them
 *      into one reusable buffer (two buffers alternate);
 *   2. write (commit.ts): one positional write of the whole group;
 *   3. sync (commit.ts, `always` policy): one fdatasync covering every group written before it started;
 *      when it returns, all those groups' batches are acknowledged together.
 *
 * So batches arriving while an fdatasync is in flight are written meanwhile and share the next one: that is
 * the group commit. Encoding (copy plus CRC), writing (a copy into the page cache) and syncing (waiting for
 * the disk) each cost about the same time per byte here, so overlapping them rather than doing them in turn
 * roughly doubles throughput under load.
 *
 * The writer also rolls segments: when the next batch would overflow the active segment, it waits for the
 * pipeline to drain, seals the segment (its summary goes to a sidecar) and starts the next.
 */
import { AppError, assert } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { Committer, type EventLogHealth } from './commit.ts'
import {
  type FileOps,
  LogOverloadedError,
  LogUnavailableError,
  newWriterStats,
  type WriterStats,
} from './file-ops.ts'
import {
  type AppendRecord,
  type AppendResult,
  type Batch,
  batchBytes,
  type Cursor,
  encodeBatches,
  GROUP_BYTES_MAX,
  type Group,
} from './group.ts'
import { recordBuffer } from './record.ts'
import { createSegmentFile, emptySegment, type SegmentList, WINDOW_BYTES, writeSidecar } from './segment.ts'

export type { WriterStats } from './file-ops.ts'

export interface WriterOptions {
  dir: string
  segmentBytesMax: number
  fsync: 'always' | 'interval'
  fsyncIntervalMs: number
  queueBytesMax: number
}

/** A burst is never split into groups smaller than this: an extra write and fdatasync would cost more. */
const GROUP_SPLIT_BYTES_MIN = 32 * 1024

/** After a failed roll to a new segment, the writer keeps the current one this long before retrying. */
const ROLL_RETRY_MS = 1000

export class GroupWriter {
  readonly stats: WriterStats = newWriterStats()
  private queue: Batch[] = []
  private loop: Promise<void> | null = null
  private closing = false
  private rollBlockedUntil = 0
  private readonly buffers = [0, 1].map(() => recordBuffer(new Uint8Array(GROUP_BYTES_MAX)))
  private bufferIndex = 0
  /** Where the next group is encoded. */
  private cursor: Cursor
  private readonly commit: Committer

  constructor(
    private readonly options: WriterOptions,
    private readonly segments: SegmentList,
    fd: number,
    private readonly deps: { logger: Logger; clock: () => number; ops: FileOps; health?: EventLogHealth },
  ) {
    const active = segments.active
    const lastWindow = active.windowOffsets[active.windowOffsets.length - 1]
    const windowNextAt = lastWindow === undefined ? 0 : lastWindow + WINDOW_BYTES
    this.cursor = { tail: active.bytes, nextSeq: active.lastSeq + 1, windowNextAt }
    this.commit = new Committer(
      options,
      segments,
      fd,
      { ...this.cursor },
      {
        ...deps,
        stats: this.stats,
        onFailure: () => this.kick(),
      },
    )
  }

  /** Seq of the last acknowledged record. */
  get lastSeq(): number {
    return this.commit.committed.nextSeq - 1
  }

  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new LogUnavailableError('event log is closed'))
    if (records.length === 0) {
      return Promise.resolve({ firstSeq: this.cursor.nextSeq, lastSeq: this.cursor.nextSeq - 1 })
    }
    const bytes = batchBytes(records)
    if (bytes instanceof AppError) return Promise.reject(bytes)
    // An empty queue always admits one batch, so a batch larger than the bound cannot be refused forever.
    const queued = this.stats.queueBytes
    if (queued > 0 && queued + bytes > this.options.queueBytesMax) {
      this.stats.overloads++
      return Promise.reject(new LogOverloadedError(queued, this.options.queueBytesMax))
    }
    this.stats.queueBytes += bytes
    return new Promise((resolve, reject) => {
      this.queue.push({ records, bytes, firstSeq: 0, lastSeq: 0, resolve, reject })
      this.kick()
    })
  }

  /** Refuses new appends, waits for queued ones, makes everything durable and releases the file. */
  async close(): Promise<void> {
    this.closing = true
    // A failed sync restarts the loop to recover, so wait until neither is running.
    while (this.loop || !this.commit.idle) {
      await this.loop
      await this.commit.settled()
    }
    await this.commit.prepareSeal().catch(() => {})
    try {
      await writeSidecar(this.options.dir, this.segments.active, this.deps.ops)
    } catch (error) {
      this.deps.logger.warn('event log: could not write the active segment summary', { error: String(error) })
    }
    await this.commit.close()
  }

  /** Starts the loop on a microtask, so every append made in the same turn of the event loop joins in. */
  private kick(): void {
    this.loop ??= Promise.resolve().then(() => this.run())
  }

  /** Encodes each group while the previous one is being written, then hands it to the write stage. */
  private async run(): Promise<void> {
    let writing: Promise<void> | null = null
    for (;;) {
      const first = this.queue[0]
      if (this.commit.failure !== null || first === undefined) {
        await writing
        writing = null
        if (this.commit.failure !== null) this.cursor = await this.commit.recover(this.cursor)
        else if (this.queue.length === 0) break
        continue
      }
      if (this.rollDue(first.bytes)) {
        // Sealing needs the segment complete: every group written and acknowledged.
        await writing
        await this.commit.settled()
        writing = null
        if (this.commit.failure === null) await this.roll()
        continue
      }
      const group = this.encodeGroup(writing === null && this.commit.idle)
      await writing
      writing = this.commit.write(group)
    }
    this.loop = null
  }

  private rollBlocked(): boolean {
    return this.deps.clock() < this.rollBlockedUntil
  }

  private rollDue(bytes: number): boolean {
    const tail = this.cursor.tail
    return tail > 0 && tail + bytes > this.options.segmentBytesMax && !this.rollBlocked()
  }

  /**
   * Takes the next group off the queue and encodes it. When the pipeline is `idle`, the group takes only
   * half of what is queued, so the other half is encoded while the first is written: without that, a burst
   * that fits in one group (64 callers' small batches) would go through the three stages strictly in turn.
   */
  private encodeGroup(idle: boolean): Group {
    const room = this.rollBlocked() ? GROUP_BYTES_MAX : this.options.segmentBytesMax - this.cursor.tail
    const half = idle
      ? Math.max(GROUP_SPLIT_BYTES_MIN, Math.ceil(this.stats.queueBytes / 2))
      : GROUP_BYTES_MAX
    const limit = Math.min(GROUP_BYTES_MAX, room, half)
    let count = 1
    let bytes = this.queue[0]!.bytes
    for (let next = this.queue[count]; next && bytes + next.bytes <= limit; next = this.queue[count]) {
      bytes += next.bytes
      count++
    }
    const batches = this.queue.splice(0, count)
    this.bufferIndex ^= 1
    const buffer =
      bytes <= GROUP_BYTES_MAX ? this.buffers[this.bufferIndex]! : recordBuffer(new Uint8Array(bytes))
    const before = { ...this.cursor }
    const growth = encodeBatches(batches, buffer, this.cursor)
    assert(growth.bytes === bytes, 'encoded group size matches the batches')
    return { batches, bytes, buffer, before, after: { ...this.cursor }, growth }
  }

  /**
   * Seals the active segment and starts the next. A failure is not fatal: the writer keeps appending
   * to the current segment, which then grows past the limit, and retries after ROLL_RETRY_MS.
   */
  private async roll(): Promise<void> {
    const { dir } = this.options
    const sealed = this.segments.active
    const firstSeq = this.cursor.nextSeq
    let fd: number
    try {
      await this.commit.prepareSeal()
      sealed.sealedAtMs = this.deps.clock()
      await writeSidecar(dir, sealed, this.deps.ops).catch((error) => {
        // Startup rebuilds a missing or stale summary from the segment, so the roll can go on without it.
        this.deps.logger.warn('event log: could not write a segment summary', { error: String(error) })
      })
      fd = await createSegmentFile(dir, firstSeq, this.deps.ops)
    } catch (error) {
      sealed.sealedAtMs = null
      this.rollBlockedUntil = this.deps.clock() + ROLL_RETRY_MS
      this.deps.logger.warn('event log: could not start a new segment', { error: String(error) })
      return
    }
    this.cursor = { tail: 0, nextSeq: firstSeq, windowNextAt: 0 }
    this.segments.push(emptySegment(firstSeq))
    await this.commit.switchFile(fd, { ...this.cursor })
  }
}
