/**
 * Retention: deletes the oldest sealed segments once they are older than `retentionAgeMs` or while the
 * log is larger than `retentionBytesMax`. Only whole sealed segments go, oldest first and without gaps,
 * and never the active segment, so the log always keeps its newest records and its next seq.
 *
 * Age is measured from when a segment was sealed, by the injected clock, not from the events' own
 * times: those come from senders and may be years off, and one mis-stamped event must neither keep a
 * segment forever nor delete it on arrival.
 */
import type { Logger } from '../logger.ts'
import type { FileOps } from './file-ops.ts'
import { deleteSegmentFiles, type SegmentList, type SegmentState, segmentFile } from './segment.ts'

export interface RetentionPolicy {
  /** 0 keeps segments forever. */
  retentionAgeMs: number
  /** 0 sets no cap. */
  retentionBytesMax: number
}

export interface RetentionResult {
  deletedSegments: number
  deletedBytes: number
}

/** The sealed segments the policy removes now, oldest first: a prefix of the sealed segments. */
export function expiredSegments(
  segments: SegmentList,
  policy: RetentionPolicy,
  nowMs: number,
): SegmentState[] {
  let total = segments.totalBytes()
  const expired: SegmentState[] = []
  for (const segment of segments.sealed()) {
    const sealedAtMs = segment.sealedAtMs ?? nowMs
    const tooOld = policy.retentionAgeMs > 0 && nowMs - sealedAtMs > policy.retentionAgeMs
    const tooBig = policy.retentionBytesMax > 0 && total > policy.retentionBytesMax
    if (!tooOld && !tooBig) break
    expired.push(segment)
    total -= segment.bytes
  }
  return expired
}

export class Retention {
  private running: Promise<RetentionResult> | null = null
  private readonly timer: ReturnType<typeof setInterval>

  constructor(
    private readonly dir: string,
    private readonly segments: SegmentList,
    private readonly policy: RetentionPolicy,
    intervalMs: number,
    private readonly deps: { logger: Logger; clock: () => number; ops: FileOps },
  ) {
    this.timer = setInterval(() => void this.run(), intervalMs)
  }

  /** Applies the policy now; concurrent calls share one pass. */
  run(): Promise<RetentionResult> {
    this.running ??= this.pass().finally(() => {
      this.running = null
    })
    return this.running
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }

  private async pass(): Promise<RetentionResult> {
    const result: RetentionResult = { deletedSegments: 0, deletedBytes: 0 }
    for (const segment of expiredSegments(this.segments, this.policy, this.deps.clock())) {
      // Forgotten first, so no new read plans to open it; reads already open keep their file handle.
      this.segments.remove(segment)
      try {
        await deleteSegmentFiles(this.dir, segment.firstSeq, this.deps.ops)
      } catch (error) {
        // The files stay; the next open finds the segment again and retention deletes it then.
        this.deps.logger.warn('event log: could not delete a segment', {
          segment: segmentFile(segment.firstSeq),
          error: String(error),
        })
        continue
      }
      result.deletedSegments++
      result.deletedBytes += segment.bytes
    }
    if (result.deletedSegments > 0)
      this.deps.logger.info('event log: retention deleted segments', { ...result })
    return result
  }
}
