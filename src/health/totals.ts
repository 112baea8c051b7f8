/**
 * Each source's totals since it was created: what the registry holds as last flushed, plus what this
 * process has counted since (health/counters.ts, in memory on the ingest path). Written back every
 * `[health] counters_flush_interval_ms` and on shutdown, in one transaction with the log seq they cover.
 *
 * A crash loses the counts since the last flush, never the events: on start, the records the log
 * appended after that seq are read back, and each adds its event to its source's count and its arrival
 * (`p_parse_time`) to the source's last event time. So `eventsTotal` and `lastEventReceivedAtTime` come
 * back exact; bytes, requests and failures of that interval are lost. Before the first flush ever (a
 * registry from before counters were kept), the log is read newest first until every source's last event
 * is found, and counts start at zero.
 */
import { Buffer } from 'node:buffer'
import type { EventLog } from '../eventlog/index.ts'
import type { Logger } from '../logger.ts'
import type { HealthStore, StoredCounters } from '../registry/health.ts'
import type { IngestCounters } from './counters.ts'

const SOURCE_KEY = Buffer.from('"p_source_id":"')
const PARSE_TIME_KEY = Buffer.from('"p_parse_time":"')
const UUID_CHARS = 36

const zero = (): StoredCounters => ({
  events: 0,
  bytes: 0,
  requests: 0,
  classificationFailures: 0,
  authFailures: 0,
  lastEventAtMs: null,
})

export class SourceTotals {
  /** What the registry held at start, plus what was recovered from the log. */
  readonly #base: Map<string, StoredCounters>
  /** The totals as last written, so a flush writes only the sources that changed. */
  readonly #written = new Map<string, StoredCounters>()
  #recovered = false
  /** Resolves once the counts lost in a crash have been read back from the log. */
  readonly ready: Promise<void>

  constructor(
    private readonly deps: {
      store: HealthStore
      counters: IngestCounters
      log: Pick<EventLog, 'read' | 'stats'>
      logger: Logger
      /** The ids of the sources there are now. */
      sourceIds: () => string[]
    },
  ) {
    this.#base = deps.store.counters()
    for (const [id, counters] of this.#base) this.#written.set(id, { ...counters })
    // The read is opened now, before the server takes requests, so it sees exactly the records that
    // were in the log at start: none of them is counted twice.
    this.ready = this.#recover()
      .catch((error) => {
        // The stored totals stand: an alarm may judge on an older last event, and counts may come up short.
        deps.logger.error('source counters could not be read back from the event log', {
          error: String(error),
        })
      })
      .then(() => {
        this.#recovered = true
      })
  }

  totals(id: string): StoredCounters {
    const base = this.#base.get(id) ?? zero()
    const live = this.deps.counters.peek(id)
    if (!live) return { ...base }
    return {
      events: base.events + live.events,
      bytes: base.bytes + live.bytes,
      requests: base.requests + live.requests,
      classificationFailures: base.classificationFailures + live.classificationFailures,
      authFailures: base.authFailures + live.authFailures,
      lastEventAtMs: latest(base.lastEventAtMs, live.lastEventAtMs),
    }
  }

  /** Writes the totals that changed since the last flush. Before recovery has finished it writes nothing. */
  flush(): void {
    if (!this.#recovered) return
    const changed = new Map<string, StoredCounters>()
    for (const id of new Set([...this.#base.keys(), ...this.deps.counters.sourceIds()])) {
      const totals = this.totals(id)
      if (!sameCounters(totals, this.#written.get(id))) changed.set(id, totals)
    }
    if (changed.size === 0) return
    this.deps.store.saveCounters(changed, this.deps.log.stats().lastSeq)
    for (const [id, totals] of changed) this.#written.set(id, totals)
  }

  /** A removed source's totals go with it. */
  forget(id: string): void {
    this.#base.delete(id)
    this.#written.delete(id)
    this.deps.counters.forget(id)
  }

  async #recover(): Promise<void> {
    const since = this.deps.store.flushedSeq()
    const lastSeq = this.deps.log.stats().lastSeq
    if (since !== null && since >= lastSeq) return
    const started = performance.now()
    let records = 0
    if (since === null) {
      // Before the first flush: only the last event times, newest first, until every source has one.
      const missing = new Set(this.deps.sourceIds().filter((id) => this.#base.get(id)?.lastEventAtMs == null))
      const cursor = missing.size > 0 ? this.deps.log.read({ order: 'desc', sourceIds: [...missing] }) : null
      for await (const batch of cursor?.batches() ?? []) {
        for (let i = 0; i < batch.seqs.length && missing.size > 0; i++) {
          records++
          const stamp = readStamp(batch.bytes, batch.starts[i]!, batch.ends[i]!)
          if (stamp === null || !missing.has(stamp.sourceId)) continue
          missing.delete(stamp.sourceId)
          this.#baseOf(stamp.sourceId).lastEventAtMs = stamp.parseTimeMs
        }
        if (missing.size === 0) break
      }
      // From now on the counts start at the seq this start found, so a crash before the first timed flush
      // is recovered by reading forward from it, not taken for an upgrade again.
      this.deps.store.saveCounters(new Map(this.#base), lastSeq)
      for (const [id, totals] of this.#base) this.#written.set(id, { ...totals })
      if (records === 0) return
    } else {
      const cursor = this.deps.log.read({ order: 'asc', fromSeq: since + 1, toSeq: lastSeq })
      for await (const batch of cursor.batches()) {
        for (let i = 0; i < batch.seqs.length; i++) {
          records++
          const stamp = readStamp(batch.bytes, batch.starts[i]!, batch.ends[i]!)
          if (stamp === null) continue
          const base = this.#baseOf(stamp.sourceId)
          base.events++
          base.lastEventAtMs = latest(base.lastEventAtMs, stamp.parseTimeMs)
        }
      }
    }
    this.deps.logger.info('source counters recovered from the event log', {
      sinceSeq: since,
      records,
      ms: Math.round(performance.now() - started),
    })
  }

  #baseOf(id: string): StoredCounters {
    let base = this.#base.get(id)
    if (!base) {
      base = zero()
      this.#base.set(id, base)
    }
    return base
  }
}

/**
 * The source and arrival time the stamp wrote into a stored event. The stamp's fields are the last
 * members of the object, so the last occurrence of each key is the stamp's, whatever the event holds.
 */
export function readStamp(
  bytes: Uint8Array,
  start: number,
  end: number,
): { sourceId: string; parseTimeMs: number } | null {
  const payload = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start)
  const source = payload.lastIndexOf(SOURCE_KEY)
  const time = payload.lastIndexOf(PARSE_TIME_KEY)
  if (source < 0 || time < 0) return null
  const idStart = source + SOURCE_KEY.length
  const sourceId = payload.toString('latin1', idStart, idStart + UUID_CHARS)
  const timeStart = time + PARSE_TIME_KEY.length
  const timeEnd = payload.indexOf(0x22, timeStart)
  const parseTimeMs = timeEnd < 0 ? Number.NaN : Date.parse(payload.toString('latin1', timeStart, timeEnd))
  return Number.isFinite(parseTimeMs) ? { sourceId, parseTimeMs } : null
}

const latest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b))

function sameCounters(a: StoredCounters, b: StoredCounters | undefined): boolean {
  return (
    b !== undefined &&
    a.events === b.events &&
    a.bytes === b.bytes &&
    a.requests === b.requests &&
    a.classificationFailures === b.classificationFailures &&
    a.authFailures === b.authFailures &&
    a.lastEventAtMs === b.lastEventAtMs
  )
}
