/**
 * Scanning the event log for a plan (plan.ts), newest first, a window of records at a time. Segments the
 * time range or the sources exclude are never opened (the log's summaries); in the rest, each record
 * meets the plan's tests in the order they cost, and its event is parsed only for the predicate, only
 * when the cheaper tests leave it a candidate.
 *
 * Pages are cut by seq: a page stops at `limit` events, at `responseBytesMax` bytes of them, or when the
 * scan has run `scanTimeMsMax`, and its cursor is the seq of the last record it examined. The next page
 * reads only below it, so a page never repeats or skips an event, whatever arrives in between (new events
 * get higher seqs).
 */
import { Buffer } from 'node:buffer'
import type { EventLog, RecordBatch } from '../eventlog/index.ts'
import { collectGarbage } from '../runtime/memory.ts'
import { latin1Slice, utf8Slice } from '../schemas/json-bytes.ts'
import type { Plan } from './plan.ts'
import type { EventView } from './predicate.ts'

export interface ScanBudget {
  /** Stop scanning after this long; the page then ends early, with a cursor to go on from. */
  scanTimeMsMax: number
  clock?: () => number
}

export interface PageOptions extends ScanBudget {
  limit: number
  responseBytesMax: number
  /** Only events stored before this seq (a cursor); absent for a first page. */
  beforeSeq?: number
}

export interface ScanStats {
  segmentsRead: number
  segmentsSkipped: number
  recordsScanned: number
  bytesScanned: number
  /** Events whose JSON was parsed for the predicate. */
  eventsParsed: number
  elapsedMs: number
}

export interface Page {
  /** The matching events' stored JSON, newest first (views into the log's read buffers). */
  events: Uint8Array[]
  /** The seq to continue below, or null when the scan reached the end of the range. */
  nextSeq: number | null
  stats: ScanStats
}

export interface Histogram {
  count: number
  /** Matching events per bucket start (ms since the epoch, a multiple of the interval). */
  buckets: Map<number, number>
  /** The scan ran out of time before the end of the range. */
  partial: boolean
  stats: ScanStats
}

type Log = Pick<EventLog, 'read'>

export async function searchPage(log: Log, plan: Plan, options: PageOptions): Promise<Page> {
  const events: Uint8Array[] = []
  let bytes = 0
  const outcome = await scan(log, plan, options, options.beforeSeq, (batch, index) => {
    const payload = batch.bytes.subarray(batch.starts[index], batch.ends[index])
    events.push(payload)
    bytes += payload.length
    return events.length < options.limit && bytes < options.responseBytesMax
  })
  return { events, nextSeq: outcome.stoppedAt, stats: outcome.stats }
}

export async function countMatches(
  log: Log,
  plan: Plan,
  intervalMs: number,
  budget: ScanBudget,
): Promise<Histogram> {
  const buckets = new Map<number, number>()
  let count = 0
  const outcome = await scan(log, plan, budget, undefined, (batch, index) => {
    const ms = eventTimeMs(batch.bytes, batch.starts[index]!, batch.ends[index]!)
    const bucket = Math.floor(ms / intervalMs) * intervalMs
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1)
    count++
    return true
  })
  return { count, buckets, partial: outcome.stoppedAt !== null, stats: outcome.stats }
}

/**
 * Calls `take` for each matching record, newest first, until it returns false or the time budget is
 * spent; `stoppedAt` is then the seq of the last record examined (null: the range was scanned whole).
 */
async function scan(
  log: Log,
  plan: Plan,
  budget: ScanBudget,
  beforeSeq: number | undefined,
  take: (batch: RecordBatch, index: number) => boolean,
): Promise<{ stoppedAt: number | null; stats: ScanStats }> {
  const clock = budget.clock ?? performance.now.bind(performance)
  const started = clock()
  const { filters } = plan
  const cursor = log.read({
    order: 'desc',
    fromTimeMs: filters.fromMs,
    toTimeMs: filters.toMs,
    sourceIds: filters.sourceIds,
    toSeq: beforeSeq === undefined ? undefined : beforeSeq - 1,
  })
  const stats: ScanStats = {
    segmentsRead: 0,
    segmentsSkipped: 0,
    recordsScanned: 0,
    bytesScanned: 0,
    eventsParsed: 0,
    elapsedMs: 0,
  }
  const matcher = new RecordMatcher(plan, stats)
  let stoppedAt: number | null = null
  try {
    for await (const batch of cursor.batches()) {
      readGarbage(batch.bytes.byteLength)
      const count = batch.seqs.length
      for (let i = 0; i < count; i++) {
        stats.recordsScanned++
        stats.bytesScanned += batch.ends[i]! - batch.starts[i]!
        if (matcher.matches(batch, i) && !take(batch, i)) {
          stoppedAt = batch.seqs[i]!
          return { stoppedAt, stats }
        }
      }
      if (clock() - started >= budget.scanTimeMsMax && count > 0) {
        stoppedAt = batch.seqs[count - 1]!
        return { stoppedAt, stats }
      }
    }
    return { stoppedAt, stats }
  } finally {
    stats.segmentsRead = cursor.stats.segmentsRead
    stats.segmentsSkipped = cursor.stats.segmentsSkipped
    stats.elapsedMs = clock() - started
  }
}

/**
 * Every window a scan reads is a fresh buffer, garbage once the scan moves on (unless a result holds on
 * to it); a count over a month of log reads gigabytes of them. Bun's collector paces itself by the
 * JavaScript heap and undercounts such buffers, so a soak with a search a second grew the server's
 * resident memory by half while ingest alone held it flat: after every SCAN_BYTES_PER_COLLECTION read,
 * the collector is asked to run.
 */
const SCAN_BYTES_PER_COLLECTION = 64 * 1024 * 1024
let scannedSinceCollection = 0

function readGarbage(bytes: number): void {
  scannedSinceCollection += bytes
  if (scannedSinceCollection < SCAN_BYTES_PER_COLLECTION) return
  scannedSinceCollection = 0
  collectGarbage()
}

const QUOTE = 0x22
const CLOSE_BRACE = 0x7d
/** `"p_event_time":"`, which precedes the last value of every stored event. */
const EVENT_TIME_KEY = new TextEncoder().encode('"p_event_time":"')
const ISO_PREFIX_CHARS = 23

/** The per-record tests of a plan, with what they need of the current window prepared once. */
class RecordMatcher {
  /** For each record of the window: how many of the plan's needles it contains. */
  #needleHits = new Uint8Array(0)
  /** The window whose needles have been searched for, if any. */
  #prepared: RecordBatch | null = null

  constructor(
    private readonly plan: Plan,
    private readonly stats: ScanStats,
  ) {}

  /**
   * Finds each needle in the whole window at once and credits the records the matches fall in. Done
   * only once a record of the window has passed the time, source and log type tests, so windows outside
   * the time range (a segment holds more than the range asked for) cost no search.
   */
  #findNeedles(batch: RecordBatch): void {
    this.#prepared = batch
    const needles = this.plan.needles
    const count = batch.seqs.length
    if (this.#needleHits.length < count) this.#needleHits = new Uint8Array(count * 2)
    const hits = this.#needleHits
    hits.fill(0, 0, count)
    const text = latin1Slice.call(batch.bytes, 0, batch.bytes.length)
    // Records in ascending byte order: a descending batch lists them from the end of the window.
    const descending = count > 1 && batch.starts[0]! > batch.starts[count - 1]!
    const last = new Int32Array(count).fill(-1)
    needles.forEach(({ pattern }, id) => {
      pattern.lastIndex = 0
      let record = 0
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const at = match.index
        const end = at + match[0].length
        while (record < count && batch.ends[descending ? count - 1 - record : record]! < end) record++
        if (record === count) break
        const index = descending ? count - 1 - record : record
        if (batch.starts[index]! <= at && last[index] !== id) {
          last[index] = id
          hits[index]!++
        }
        if (match[0].length === 0) pattern.lastIndex++
      }
    })
  }

  matches(batch: RecordBatch, index: number): boolean {
    const { bytes } = batch
    const start = batch.starts[index]!
    const end = batch.ends[index]!
    const plan = this.plan
    if (!this.#inTimeRange(bytes, start, end)) return false
    const sources = plan.sourceMembers
    if (
      sources !== null &&
      !sources.some((member) => isInletMember(bytes, start, end, member, AFTER_SOURCE_ID))
    ) {
      return false
    }
    if (
      plan.logTypeMember !== null &&
      !isInletMember(bytes, start, end, plan.logTypeMember, AFTER_LOG_TYPE)
    ) {
      return false
    }
    if (plan.needles.length > 0) {
      if (this.#prepared !== batch) this.#findNeedles(batch)
      if (this.#needleHits[index] !== plan.needles.length) return false
    }
    if (plan.predicate === null) return true
    this.stats.eventsParsed++
    return plan.predicate(eventView(bytes, start, end))
  }

  /** p_event_time within the bounds, compared as text to the millisecond. */
  #inTimeRange(bytes: Uint8Array, start: number, end: number): boolean {
    const at = eventTimeStart(bytes, start, end)
    if (at < 0) {
      const ms = slowEventTimeMs(bytes, start, end)
      return ms >= this.plan.filters.fromMs && ms <= this.plan.filters.toMs
    }
    return compareText(bytes, at, this.plan.fromBound) >= 0 && compareText(bytes, at, this.plan.toBound) <= 0
  }
}

/** Where the value of the trailing `"p_event_time":"…"` starts, or -1 if the event does not end so. */
function eventTimeStart(bytes: Uint8Array, start: number, end: number): number {
  if (bytes[end - 1] !== CLOSE_BRACE || bytes[end - 2] !== QUOTE) return -1
  const at = end - 2 - 24
  if (at - EVENT_TIME_KEY.length < start) return -1
  // 24 characters (milliseconds) or 30 (nanoseconds) before the closing quote.
  for (const valueStart of [at, at - 6]) {
    if (bytes[valueStart - 1] !== QUOTE) continue
    let matched = true
    for (let i = 0; i < EVENT_TIME_KEY.length && matched; i++) {
      matched = bytes[valueStart - EVENT_TIME_KEY.length + i] === EVENT_TIME_KEY[i]
    }
    if (matched) return valueStart
  }
  return -1
}

function compareText(bytes: Uint8Array, at: number, bound: Uint8Array): number {
  for (let i = 0; i < ISO_PREFIX_CHARS; i++) {
    const difference = bytes[at + i]! - bound[i]!
    if (difference !== 0) return difference
  }
  return 0
}

/** An event's time in ms, from its trailing p_event_time, or by parsing it when it does not end so. */
export function eventTimeMs(bytes: Uint8Array, start: number, end: number): number {
  const at = eventTimeStart(bytes, start, end)
  return at < 0 ? slowEventTimeMs(bytes, start, end) : Date.parse(latin1Slice.call(bytes, at, end - 2))
}

function slowEventTimeMs(bytes: Uint8Array, start: number, end: number): number {
  try {
    const value = JSON.parse(utf8Slice.call(bytes, start, end)) as { p_event_time?: unknown }
    return typeof value.p_event_time === 'string' ? Date.parse(value.p_event_time) : Number.NaN
  } catch {
    return Number.NaN
  }
}

/**
 * The member occurs where Inlet writes it: its last occurrence, followed by one of the members Inlet
 * writes after it. A look-alike inside the sender's data is followed by something else.
 */
function isInletMember(
  bytes: Uint8Array,
  start: number,
  end: number,
  member: Uint8Array,
  followers: Uint8Array[],
): boolean {
  const view = bytes.subarray(start, end)
  const found = Buffer.prototype.lastIndexOf.call(view, member) as number
  if (found < 0) return false
  const after = start + found + member.length
  return followers.some((follower) => {
    for (let i = 0; i < follower.length; i++) if (bytes[after + i] !== follower[i]) return false
    return true
  })
}

/** What follows `"p_source_id":"…"` (the stamp's order) and `"p_log_type":"…"` (classification's). */
const AFTER_SOURCE_ID = [new TextEncoder().encode(',"p_source_label":')]
const AFTER_LOG_TYPE = [new TextEncoder().encode(',"p_any_'), new TextEncoder().encode(',"p_row_id":"')]

function eventView(bytes: Uint8Array, start: number, end: number): EventView {
  let text: string | undefined
  let value: Record<string, unknown> | undefined
  return {
    text: () => {
      text ??= utf8Slice.call(bytes, start, end)
      return text
    },
    value: () => {
      value ??= JSON.parse(text ?? utf8Slice.call(bytes, start, end)) as Record<string, unknown>
      return value
    },
  }
}
