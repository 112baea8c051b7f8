/**
 * Admission and the memory budget of requests in progress. Everything a request holds (its body as
 * sent, the reader's copies of it, each decoded chunk, each decoder's window, the events built) is
 * charged here before or as it is allocated, and what the requests have let go of stays counted as
 * garbage until the collector has run: the process's memory is its own base, plus what is charged, plus
 * that garbage, plus the event log's queue of bytes not yet durable. All of it must fit the budget
 * derived from `[ingest] memory_max`:
 *
 * - a new request is refused with 503 and Retry-After while charged bytes and the log's queue are past
 *   the high-water mark (until they fall to the low one, so the server does not flap), or while the log's
 *   queue is past half its own limit: refusing at the door spares the decoding a later refusal wastes;
 * - a charge that would pass the budget first has the garbage collected, and if it still does not fit,
 *   fails its request with the same 503, before the memory is taken;
 * - garbage past a share of the budget is collected at once, since Bun's collector paces itself by the
 *   JavaScript heap and undercounts byte buffers: 16 concurrent decompression bombs of valid events
 *   drove RSS to 310–450 MB against a 256 MiB in-flight mark that counted only live bytes;
 * - what no charge counts (the objects of thousands of refused requests a second, the allocator's own
 *   slack) is caught by watching the process's resident memory, every few milliseconds and every few
 *   hundred requests (a storm of connections can keep the event loop in one turn for seconds, when no
 *   timer runs): past 65% of `memory_max` the garbage is collected, past 75% new requests are refused
 *   until it falls back.
 */
import { AppError } from '../errors.ts'

export interface AdmissionOptions {
  /** Bytes that requests in progress, their uncollected garbage and the log's queue may take in all. */
  budgetBytes: number
  /** `[ingest] memory_max`, and the process's resident memory now (for the watch). */
  memoryMaxBytes: number
  residentBytes: () => number
  retryAfterSeconds: number
  /** Bytes the event log holds that are not yet durable, and the mark past which new requests wait out. */
  logQueueBytes: () => number
  logQueueHighBytes: number
  /** Runs the garbage collector to completion. */
  collect: () => void
}

/** What one request has charged; released whole when it ends. */
export interface Hold {
  bytes: number
  /** The most it held at once. */
  peak: number
}

/**
 * A request that never held more than this leaves its garbage to the collector's own pacing, which
 * keeps up with small requests: collecting after every few thousand of them cost a third of the
 * throughput of one-event requests.
 */
const SMALL_REQUEST_BYTES = 256 * 1024

/** The marks, as shares of the budget: refuse new requests past HIGH, admit again at LOW. */
const HIGH = 0.5
const LOW = 0.35
const COLLECT_AT = 0.15
/** The watch: collect past 65% of memory_max resident, refuse new requests past 75%. */
const RESIDENT_COLLECT = 0.65
const RESIDENT_REFUSE = 0.75
const WATCH_INTERVAL_MS = 20
/** Requests admitted between two looks at resident memory, besides the timer's. */
const WATCH_EVERY_REQUESTS = 256

export class Admission {
  #charged = 0
  #garbage = 0
  #refusing = false
  /** The last watch found resident memory past RESIDENT_REFUSE. */
  #resident = false
  #watching = false
  #admitted = 0
  readonly #high: number
  readonly #low: number
  /** Largest charged + garbage + queue seen, and collections run: what the budget did, for tests. */
  peakBytes = 0
  collections = 0

  constructor(private readonly options: AdmissionOptions) {
    this.#high = options.budgetBytes * HIGH
    this.#low = options.budgetBytes * LOW
  }

  /**
   * Lets a request in, or throws 503 while over a mark. Refusing at the door, before the body is read,
   * is what spares the work: a request refused by a full log queue only after it was decoded and framed
   * has cost as much as one that was stored. Pair with `release` of what the request charged.
   */
  admit(): void {
    if (this.#watching && ++this.#admitted % WATCH_EVERY_REQUESTS === 0) this.#watchResident()
    const queue = this.options.logQueueBytes()
    if (this.#refusing && this.#charged + queue <= this.#low) this.#refusing = false
    if (this.#refusing || this.#resident || queue >= this.options.logQueueHighBytes) throw this.#overloaded()
  }

  /** Whether `admit` would refuse a new request now (Splunk HEC's health check asks), counting nothing. */
  get busy(): boolean {
    const queue = this.options.logQueueBytes()
    const refusing = this.#refusing && this.#charged + queue > this.#low
    return refusing || this.#resident || queue >= this.options.logQueueHighBytes
  }

  /** Starts watching resident memory; returns the function that stops it. */
  watch(): () => void {
    this.#watching = true
    const timer = setInterval(() => this.#watchResident(), WATCH_INTERVAL_MS)
    // The watch alone must not keep the process alive.
    ;(timer as { unref?: () => void }).unref?.()
    return () => {
      this.#watching = false
      clearInterval(timer)
    }
  }

  #watchResident(): void {
    const { memoryMaxBytes, residentBytes } = this.options
    let resident = residentBytes()
    if (resident >= memoryMaxBytes * RESIDENT_COLLECT) {
      this.#collect()
      resident = residentBytes()
    }
    this.#resident = resident >= memoryMaxBytes * RESIDENT_REFUSE
  }

  /** Charges `bytes` to `hold` before they are taken, or throws 503 when they would not fit the budget. */
  reserve(hold: Hold, bytes: number): void {
    if (this.#used() + bytes > this.options.budgetBytes && this.#garbage > 0) this.#collect()
    if (this.#used() + bytes > this.options.budgetBytes) {
      this.#refusing = true
      throw this.#overloaded()
    }
    hold.bytes += bytes
    if (hold.bytes > hold.peak) hold.peak = hold.bytes
    this.#charged += bytes
    if (this.#charged + this.options.logQueueBytes() >= this.#high) this.#refusing = true
    const used = this.#used()
    if (used > this.peakBytes) this.peakBytes = used
  }

  /** `bytes` of `hold` are let go of (all of it when omitted): garbage until the next collection. */
  release(hold: Hold, bytes = hold.bytes): void {
    hold.bytes -= bytes
    this.#charged -= bytes
    if (hold.peak >= SMALL_REQUEST_BYTES) this.#garbage += bytes
    if (this.#garbage >= this.options.budgetBytes * COLLECT_AT) this.#collect()
  }

  /** Bytes charged now, by requests in progress. */
  get chargedBytes(): number {
    return this.#charged
  }

  #used(): number {
    return this.#charged + this.#garbage + this.options.logQueueBytes()
  }

  #collect(): void {
    this.options.collect()
    this.collections++
    this.#garbage = 0
  }

  #overloaded(): AppError {
    return new AppError('OVERLOADED', 'the server is holding too much unfinished data; retry later', {
      headers: { 'retry-after': String(this.options.retryAfterSeconds) },
    })
  }
}
