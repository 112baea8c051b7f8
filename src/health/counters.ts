/**
 * What the ingest path counts: per source (events, bytes, auth and classification failures, the last
 * event's arrival, answers by HTTP status) for source health, and per rejection reason for the server as
 * a whole, so an operator can see why senders are being turned away; and what searches cost. In memory;
 * counters restart at zero with the process, as Prometheus expects. GET /metrics reads them at scrape
 * time (health/metrics.ts).
 */
export interface SourceCounters {
  events: number
  bytes: number
  requests: number
  authFailures: number
  /** Stored events that matched none of the source's log types. */
  classificationFailures: number
  /** Requests answered, by HTTP status. */
  statuses: Map<number, number>
  lastEventAtMs: number | null
}

export class IngestCounters {
  readonly #sources = new Map<string, SourceCounters>()
  /** Refused requests by error code (`UNAUTHORIZED`, `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, …), all sources. */
  readonly rejections = new Map<string, number>()
  /** Auth failures by why: a missing or malformed credential, a mismatch, a timestamp out of tolerance. */
  readonly authFailureReasons = new Map<string, number>()
  /** Requests to ids that are no source, by HTTP status: kept apart so no sender-chosen id is a key. */
  readonly unknownSourceResponses = new Map<number, number>()
  /** Sources whose next event someone waits for (a no-data alarm), and whom to tell. */
  #watched: Set<string> = new Set()
  #onWatchedEvent: (sourceId: string) => void = () => {}

  source(id: string): SourceCounters {
    let counters = this.#sources.get(id)
    if (!counters) {
      counters = {
        events: 0,
        bytes: 0,
        requests: 0,
        authFailures: 0,
        classificationFailures: 0,
        statuses: new Map(),
        lastEventAtMs: null,
      }
      this.#sources.set(id, counters)
    }
    return counters
  }

  /** A source's counters if it has any, without creating them. */
  peek(id: string): Readonly<SourceCounters> | undefined {
    return this.#sources.get(id)
  }

  /** The sources counted since start (or since `forget`). */
  sourceIds(): string[] {
    return [...this.#sources.keys()]
  }

  /** Every source's counters, for a scrape. */
  entries(): IterableIterator<[string, Readonly<SourceCounters>]> {
    return this.#sources.entries()
  }

  /**
   * Calls `onEvent` when one of `sourceIds` next has events accepted, once per source: the id is then
   * dropped from the set, so a busy source costs one call, not one per request. Replaces the set of any
   * earlier call; the caller watches again once it has dealt with the event.
   */
  watchEvents(sourceIds: Set<string>, onEvent: (sourceId: string) => void): void {
    this.#watched = sourceIds
    this.#onWatchedEvent = onEvent
  }

  /** Drops a removed source's counters. */
  forget(id: string): void {
    this.#sources.delete(id)
  }

  accepted(sourceId: string, events: number, bytes: number, atMs: number): void {
    const counters = this.source(sourceId)
    counters.requests++
    counters.events += events
    counters.bytes += bytes
    if (events > 0) counters.lastEventAtMs = atMs
    bump(counters.statuses, 200)
    if (events > 0 && this.#watched.delete(sourceId)) this.#tellWatcher(sourceId)
  }

  /** The events are stored and the sender is owed its 200: a watcher's failure must not turn it into a 500. */
  #tellWatcher(sourceId: string): void {
    try {
      this.#onWatchedEvent(sourceId)
    } catch {}
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
    if (sourceId === null) {
      bump(this.unknownSourceResponses, status)
      return
    }
    const counters = this.source(sourceId)
    counters.requests++
    bump(counters.statuses, status)
    if (code === 'UNAUTHORIZED') counters.authFailures++
  }
}

export type SearchKind = 'events' | 'count'
export type SearchOutcome = 'ok' | 'error'

/**
 * What searches cost: queries by kind (`events` for GET /events pages, `count` for GET /events/count)
 * and outcome, and the log bytes they read, so an operator can tell a slow search from a heavy one.
 * Only queries the search handler took on are counted; a request refused for its key or by schema
 * validation never became a search.
 */
export class SearchCounters {
  /** Queries by kind, then outcome: `error` is any query answered with an error, a bad `q` included. */
  readonly queries: Record<SearchKind, Record<SearchOutcome, number>> = {
    events: { ok: 0, error: 0 },
    count: { ok: 0, error: 0 },
  }
  /** Log bytes read, by kind (the read's `ReadStats.bytesRead`: whole windows, skipped records included). */
  readonly bytesRead: Record<SearchKind, number> = { events: 0, count: 0 }

  searched(kind: SearchKind, outcome: SearchOutcome, bytesRead: number): void {
    this.queries[kind][outcome]++
    this.bytesRead[kind] += bytesRead
  }
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}
