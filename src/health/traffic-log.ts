/**
 * The periodic summary of accepted traffic in the server's own log: every `[health] traffic_log_interval_ms`,
 * one line per source that was sent anything since the last line (requests, events and bytes accepted,
 * requests refused), read from the ingest counters, so the log shows what arrived without a line per request.
 */
import type { Logger } from '../logger.ts'
import type { IngestCounters } from './counters.ts'

interface Seen {
  requests: number
  events: number
  bytes: number
  refused: number
}

export class TrafficLog {
  readonly #seen = new Map<string, Seen>()

  constructor(
    private readonly deps: {
      counters: IngestCounters
      logger: Logger
      /** The source's label, for a line a person can read; null once the source is gone. */
      labelOf: (sourceId: string) => string | null
    },
  ) {}

  /** Logs what each source was sent since the previous call. */
  write(intervalMs: number): void {
    for (const [id, counters] of this.deps.counters.entries()) {
      const refused = [...counters.statuses].reduce((sum, [status, n]) => (status === 200 ? sum : sum + n), 0)
      const now = { requests: counters.requests, events: counters.events, bytes: counters.bytes, refused }
      const before = this.#seen.get(id) ?? { requests: 0, events: 0, bytes: 0, refused: 0 }
      this.#seen.set(id, now)
      if (now.requests === before.requests) continue
      this.deps.logger.info('ingest traffic', {
        source: this.deps.labelOf(id) ?? id,
        sourceId: id,
        seconds: Math.round(intervalMs / 1000),
        requests: now.requests - before.requests,
        refused: now.refused - before.refused,
        events: now.events - before.events,
        bytes: now.bytes - before.bytes,
      })
    }
  }
}
