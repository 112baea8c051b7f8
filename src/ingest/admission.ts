/**
 * In-flight byte admission: the bytes held by requests in progress (bodies as sent, decoded bodies and
 * the events built from them) are counted, and once they pass the high-water mark new requests are
 * refused with 503 and Retry-After until they fall to the low-water mark. The gap between the marks
 * keeps the server from flapping between refusing and admitting on every request; refusing at the door
 * is what keeps memory bounded when senders outpace the disk.
 */
import { AppError } from '../errors.ts'

export interface AdmissionOptions {
  highBytes: number
  lowBytes: number
  retryAfterSeconds: number
}

export class Admission {
  #inflight = 0
  #refusing = false

  constructor(private readonly options: AdmissionOptions) {}

  get inflightBytes(): number {
    return this.#inflight
  }

  get refusing(): boolean {
    return this.#refusing
  }

  /** Lets a request in, or throws 503 while over the mark. Pair with `release` of everything charged. */
  admit(): void {
    if (this.#refusing) {
      throw new AppError(
        'OVERLOADED',
        503,
        'the server is holding too much unfinished data; retry later',
        undefined,
        { 'retry-after': String(this.options.retryAfterSeconds) },
      )
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
