/**
 * The write and sync stages of the writer's pipeline (see writer.ts): making encoded groups durable,
 * acknowledging them, and recovering from a failed write or fdatasync.
 *
 * Groups are written one at a time, in file order. Under the `always` policy, one fdatasync then covers
 * every group written before it started, and when it returns those groups' batches are acknowledged
 * together; groups written while it runs wait for the next one. Under `interval`, a group is acknowledged
 * once written and a timer syncs in the background.
 *
 * After a failure, no further group is written until `recover` has truncated the file back to the end of
 * the last acknowledged group. Only then are the failed batches rejected, so a caller that sees the error
 * finds the log already back on a record boundary.
 *
 * The health hooks hear of each change between writing fine and failing, once per change: the log is
 * failing from a failed write or fdatasync until a group is acknowledged again, or, under `interval`,
 * while the background fdatasync fails, until one succeeds again.
 */
import type { Logger } from '../logger.ts'
import { type FileOps, LogUnavailableError, timedFdatasync, type WriterStats, writeAll } from './file-ops.ts'
import type { Cursor, Group } from './group.ts'
import { grow, type SegmentList } from './segment.ts'

const unavailable = (cause: unknown) =>
  new LogUnavailableError('event log write failed; batch not stored', { cause })

/** Told when the log starts failing to write and when it writes again (source health, alerts). */
export interface EventLogHealth {
  writeFailed(error: unknown): void
  writesRecovered(): void
}

export class Committer {
  /** The first I/O error since the last recovery; while set, nothing more is written. */
  failure: unknown = null
  /** Just past the last acknowledged group. */
  committed: Cursor
  private failed: Group[] = []
  private failing = false
  /** The `interval` policy's background fdatasync failed last time it ran. */
  private syncFailing = false
  /** What the health hooks were last told: true once `writeFailed` was called, until `writesRecovered`. */
  private reportedFailing = false
  private unsynced: Group[] = []
  private syncLoop: Promise<void> | null = null
  private needsTruncate = false
  private dirty = false
  private intervalSync: Promise<void> | null = null
  private readonly timer: ReturnType<typeof setInterval> | null

  constructor(
    private readonly policy: { fsync: 'always' | 'interval'; fsyncIntervalMs: number },
    private readonly segments: SegmentList,
    private fd: number,
    committed: Cursor,
    private readonly deps: {
      logger: Logger
      ops: FileOps
      stats: WriterStats
      /** Called when a sync fails with no write pending, so the writer comes round to `recover`. */
      onFailure: () => void
      health?: EventLogHealth
    },
  ) {
    this.committed = committed
    this.timer =
      policy.fsync === 'interval' ? setInterval(() => void this.syncDirty(), policy.fsyncIntervalMs) : null
  }

  /** True while no group awaits an fdatasync: the pipeline has drained. */
  get idle(): boolean {
    return this.syncLoop === null
  }

  /** Resolves once every written group has been synced and acknowledged, or failed. */
  async settled(): Promise<void> {
    await this.syncLoop
  }

  async write(group: Group): Promise<void> {
    if (this.failure === null) {
      try {
        if (this.needsTruncate) await this.truncateTo(group.before.tail)
        await writeAll(this.deps.ops, this.fd, group.buffer.bytes, group.bytes, group.before.tail)
      } catch (error) {
        this.failure ??= error
      }
    }
    // A sync that failed while this group was being written fails it too: its bytes will be cut off.
    if (this.failure !== null) {
      this.failed.push(group)
      return
    }
    if (this.policy.fsync === 'interval') {
      this.dirty = true
      return this.acknowledge([group])
    }
    this.unsynced.push(group)
    this.syncLoop ??= this.syncAll()
  }

  /**
   * Cuts the file back to the last acknowledged byte, rejects the failed batches, and returns where the
   * next group goes: right after the last acknowledged one, reusing seqs, unless the truncation failed,
   * in which case seqs move on from `cursor` so leftover records cannot be mistaken for new ones.
   */
  async recover(cursor: Cursor): Promise<Cursor> {
    await this.syncLoop
    const error = unavailable(this.failure)
    this.deps.stats.writeErrors++
    if (!this.failing) this.deps.logger.error('event log: write failed', { error: String(this.failure) })
    this.failing = true
    this.reportHealth(this.failure)
    const next = { ...this.committed }
    try {
      await this.truncateTo(this.committed.tail)
    } catch {
      next.nextSeq = cursor.nextSeq
    }
    const failed = this.failed
    this.failed = []
    this.failure = null
    for (const group of failed) {
      this.deps.stats.queueBytes -= group.bytes
      for (const batch of group.batches) batch.reject(error)
    }
    return next
  }

  /** Before sealing: the segment must end exactly at its last acknowledged record, durably. */
  async prepareSeal(): Promise<void> {
    await this.intervalSync
    await this.syncDirty()
    // The interval policy's sync reports a failure only by leaving the file dirty. Sealed anyway, the
    // segment would keep unsynced records that a power loss may tear, where recovery no longer looks.
    if (this.dirty) throw new Error('the segment could not be synced before sealing')
    if (this.needsTruncate) await this.truncateTo(this.committed.tail)
  }

  /** Moves on to a new segment file, whose start is now the committed position. */
  async switchFile(fd: number, committed: Cursor): Promise<void> {
    const previous = this.fd
    this.fd = fd
    this.committed = committed
    await this.deps.ops.close(previous).catch(() => {})
  }

  /** Stops the interval timer, syncs what is left and releases the file. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.intervalSync
    await this.syncDirty()
    await this.deps.ops.close(this.fd)
  }

  /** One fdatasync for all groups written so far, then their acknowledgement, until none is left. */
  private async syncAll(): Promise<void> {
    while (this.unsynced.length > 0) {
      const groups = this.unsynced
      this.unsynced = []
      try {
        await timedFdatasync(this.deps.ops, this.fd, this.deps.stats)
      } catch (error) {
        this.failure ??= error
        this.failed.push(...groups, ...this.unsynced)
        this.unsynced = []
        break
      }
      this.acknowledge(groups)
    }
    this.syncLoop = null
    if (this.failure !== null) this.deps.onFailure()
  }

  private acknowledge(groups: Group[]): void {
    const { stats } = this.deps
    for (const group of groups) {
      grow(this.segments.active, group.growth)
      this.committed = group.after
      stats.queueBytes -= group.bytes
      stats.groups++
      stats.batches += group.batches.length
      stats.records += group.growth.count
    }
    stats.commitRecords.observe(groups.reduce((records, group) => records + group.growth.count, 0))
    if (this.failing) this.deps.logger.info('event log: writes succeed again')
    this.failing = false
    this.reportHealth(null)
    for (const group of groups) {
      for (const batch of group.batches) batch.resolve({ firstSeq: batch.firstSeq, lastSeq: batch.lastSeq })
    }
  }

  /**
   * Cuts the file back to `length`, durably. Until the cut is synced a power loss may undo it, bringing
   * back the failed groups' bytes, whose seqs are given out again once the cut has succeeded: behind the
   * group written next, or past the end of a segment sealed since, they would read as records again, the
   * same seqs twice and part of a failed batch.
   */
  private async truncateTo(length: number): Promise<void> {
    this.needsTruncate = true
    await this.deps.ops.ftruncate(this.fd, length)
    await this.deps.ops.fdatasync(this.fd)
    this.needsTruncate = false
  }

  /**
   * Tells the health hooks when the log changes between writing fine and failing (a failed write or
   * recovery, or a failed background sync). A hook that throws must not fail the write path: the hook's
   * owner logs its own errors, so the error is dropped here.
   */
  private reportHealth(error: unknown): void {
    const failing = this.failing || this.syncFailing
    const health = this.deps.health
    if (failing === this.reportedFailing || health === undefined) return
    this.reportedFailing = failing
    try {
      const returned: unknown = failing ? health.writeFailed(error) : health.writesRecovered()
      // An async hook's rejection would otherwise surface as an unhandled rejection.
      if (returned instanceof Promise) returned.catch(() => {})
    } catch {}
  }

  /** The `interval` policy's background flush; a failure may lose acknowledged records, as that policy allows. */
  private syncDirty(): Promise<void> {
    if (this.intervalSync || !this.dirty) return this.intervalSync ?? Promise.resolve()
    this.dirty = false
    this.intervalSync = timedFdatasync(this.deps.ops, this.fd, this.deps.stats)
      .then(() => {
        this.syncFailing = false
        this.reportHealth(null)
      })
      .catch((error) => {
        this.dirty = true
        this.deps.stats.writeErrors++
        this.deps.logger.error('event log: background fdatasync failed', { error: String(error) })
        this.syncFailing = true
        this.reportHealth(error)
      })
      .finally(() => {
        this.intervalSync = null
      })
    return this.intervalSync
  }
}
