/**
 * What the ingest path counts: per source (events, bytes, auth and classification failures, the last
 * event's arrival) for source health, and per rejection reason for the server as a whole, so an operator
 * can see why senders are being turned away. In memory; counters restart at zero with the process, as
 * Prometheus expects.
 */
export interface SourceCounters {
  events: number
  bytes: number
  requests: number
  authFailures: number
  /** Stored events that matched none of the source's log types. */
  classificationFailures: number
  /** Requests refused for any reason other than auth, by error code. */
  rejections: Map<string, number>
  lastEventAtMs: number | null
}

export class IngestCounters {
  readonly #sources = new Map<string, SourceCounters>()
  /** Refused requests by error code (`UNAUTHORIZED`, `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, …), all sources. */
  readonly rejections = new Map<string, number>()
  /** Requests answered, by HTTP status. */
  readonly responses = new Map<number, number>()
  /** Auth failures by why: a missing or malformed credential, a mismatch, a timestamp out of tolerance. */
  readonly authFailureReasons = new Map<string, number>()

  source(id: string): SourceCounters {
    let counters = this.#sources.get(id)
    if (!counters) {
      counters = {
        events: 0,
        bytes: 0,
        requests: 0,
        authFailures: 0,
        classificationFailures: 0,
        rejections: new Map(),
        lastEventAtMs: null,
      }
      this.#sources.set(id, counters)
    }
    return counters
  }

  accepted(sourceId: string, events: number, bytes: number, atMs: number): void {
    const counters = this.source(sourceId)
    counters.requests++
    counters.events += events
    counters.bytes += bytes
    if (events > 0) counters.lastEventAtMs = atMs
    bump(this.responses, 200)
  }

  classificationFailed(sourceId: string, events: number): void {
    this.source(sourceId).classificationFailures += events
  }

  authFailed(reason: string): void {
    bump(this.authFailureReasons, reason)
  }

  /** A refused request; `sourceId` is null when the source itself is unknown. */
  rejected(sourceId: string | null, code: string, status: number): void {
    bump(this.rejections, code)
    bump(this.responses, status)
    if (sourceId === null) return
    const counters = this.source(sourceId)
    counters.requests++
    if (code === 'UNAUTHORIZED') counters.authFailures++
    else bump(counters.rejections, code)
  }
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}
