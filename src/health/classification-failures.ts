/**
 * Classification failures as the operator sees them: counted per source at once, and reported as the
 * `SOURCE_CLASSIFICATION_FAILURES` system error (docs/reference.md). A misconfigured sender can fail
 * every event of thousands of requests a second, so the system error is written at most once per
 * `flushIntervalMs` per source, carrying the count gathered since the last write. The health job
 * (index.ts) resolves it once the source has gone `[health] classification_failures_quiet_minutes`
 * without a failure.
 */
import type { IngestCounters } from './counters.ts'
import type { Notifier } from './notifier.ts'

export interface FailureReporterDeps {
  notifier: Pick<Notifier, 'raise'>
  counters: IngestCounters
  flushIntervalMs?: number
}

interface Pending {
  label: string
  count: number
  reason: string
}

export const SOURCE_CLASSIFICATION_FAILURES = 'SOURCE_CLASSIFICATION_FAILURES'

export class ClassificationFailureReporter {
  readonly #pending = new Map<string, Pending>()
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #flushIntervalMs: number

  constructor(private readonly deps: FailureReporterDeps) {
    this.#flushIntervalMs = deps.flushIntervalMs ?? 1000
  }

  report(source: { id: string; label: string }, count: number, reason: string): void {
    this.deps.counters.classificationFailed(source.id, count)
    const pending = this.#pending.get(source.id)
    if (pending) {
      pending.count += count
      pending.reason = reason
    } else this.#pending.set(source.id, { label: source.label, count, reason })
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#flushIntervalMs)
      ;(this.#timer as { unref?: () => void }).unref?.()
    }
  }

  /** Writes what is pending now; also called on shutdown so no count is lost. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    for (const [sourceId, { label, count, reason }] of this.#pending) {
      const events = count === 1 ? '1 event' : `${count} events`
      this.deps.notifier.raise(
        {
          type: SOURCE_CLASSIFICATION_FAILURES,
          sourceId,
          count,
          message: `${events} from source '${label}' matched none of its log types; the latest: ${reason}`,
        },
        { sourceLabel: label },
      )
    }
    this.#pending.clear()
  }
}
