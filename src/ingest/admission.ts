/**
 * In-flight byte admission: the bytes held by requests in progress (bodies as sent, decoded bodies and
 * the events built from them) are counted, and once they pass the high-water mark new requests are
 * refused with 503 and Retry-After until they fall to the low-water mark. The gap between the marks
 * keeps the server from flapping between refusing and admitting on every request; refusing at the door
 * is what keeps memory bounded when senders outpace the disk. New requests are also refused while the
 * event log's queue of bytes waiting to become durable is past half its limit.
 */
import { AppError } from '../errors.ts'

export interface AdmissionOptions {
  highBytes: number
  lowBytes: number
  retryAfterSeconds: number
  /** Bytes the event log holds that are not yet durable, and the mark past which new requests wait out. */
  logQueueBytes: () => number
  logQueueHighBytes: number
}

export class Admission {
  #inflight = 0
  #refusing = false

  constructor(private readonly options: AdmissionOptions) {}

  /**
   * Lets a request in, or throws 503 while over a mark. Refusing at the door, before the body is read,
   * is what spares the work: a request refused by a full log queue only after it was decoded and framed
   * has cost as much as one that was stored. Pair with `release` of everything charged.
   */
  admit(): void {
    if (this.#refusing || this.options.logQueueBytes() >= this.options.logQueueHighBytes) {
      throw new AppError('OVERLOADED', 'the server is holding too much unfinished data; retry later', {
        headers: { 'retry-after': String(this.options.retryAfterSeconds) },
      })
    }
  }

  /** Counts bytes a request now holds; passing the high mark stops admitting new requests. */
  charge(bytes: number): void {
    this.#inflight += bytes
    if (this.#inflight >= this.options.highBytes) this.#refusing = true
  }

  release(bytes: number): void {
    this.#inflight -= bytes
    if (this.#refusing && this.#inflight <= this.options.lowBytes) this.#refusing = false
  }
}
